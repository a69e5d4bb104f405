#!/usr/bin/env escript
%% The Erlang side of socket/sock's interop and oracle tests, on OTP's
%% socket module:
%%
%%   sock.escript tcp_server N              accept one connection, echo N messages
%%   sock.escript tcp_client Port N         connect, send N messages, check the echoes
%%   sock.escript udp_server Family N       echo N datagrams to their senders
%%   sock.escript udp_client Family Port N  send N datagrams, check the echoes
%%   sock.escript reasons                   what the calls of erlang_test.go return
%%
%% Servers print their port first; all print addresses as io_lib:print
%% does on one line, and "ok" when every byte was right. Message I is
%% msg(I): 1 + (I*37) rem 3000 bytes, byte X being (X + I) band 255: the Go
%% tests' pattern(I, n).
-mode(compile).

main(["tcp_server", N]) ->
    {ok, L} = socket:open(inet, stream, tcp),
    ok = socket:bind(L, loopback),
    ok = socket:listen(L),
    {ok, #{port := Port}} = socket:sockname(L),
    say("~w", [Port]),
    {ok, S} = socket:accept(L, 10000),
    {ok, Peer} = socket:peername(S),
    say("~s", [print(Peer)]),
    [begin
         Msg = msg(I),
         {ok, Msg} = socket:recv(S, byte_size(Msg), 10000),
         ok = socket:send(S, Msg)
     end || I <- lists:seq(1, list_to_integer(N))],
    {error, closed} = socket:recv(S, 0, 10000),
    say("ok", []);
main(["tcp_client", Port, N]) ->
    {ok, S} = socket:open(inet, stream, tcp),
    ok = socket:connect(S, #{family => inet, addr => loopback, port => list_to_integer(Port)}, 10000),
    {ok, Me} = socket:sockname(S),
    say("~s", [print(Me)]),
    [begin
         Msg = msg(I),
         ok = socket:send(S, Msg),
         {ok, Msg} = socket:recv(S, byte_size(Msg), 10000)
     end || I <- lists:seq(1, list_to_integer(N))],
    ok = socket:close(S),
    say("ok", []);
main(["udp_server", Family, N]) ->
    {ok, U} = socket:open(list_to_atom(Family), dgram, udp),
    ok = socket:bind(U, loopback),
    {ok, #{port := Port}} = socket:sockname(U),
    say("~w", [Port]),
    Froms = [begin
                 {ok, {From, Data}} = socket:recvfrom(U, 0, 10000),
                 Data = msg(I),
                 ok = socket:sendto(U, Data, From),
                 From
             end || I <- lists:seq(1, list_to_integer(N))],
    [From] = lists:usort(Froms),
    say("~s", [print(From)]),
    say("ok", []);
main(["udp_client", Family, Port, N]) ->
    F = list_to_atom(Family),
    {ok, U} = socket:open(F, dgram, udp),
    ok = socket:bind(U, loopback),
    {ok, Me} = socket:sockname(U),
    say("~s", [print(Me)]),
    Dest = #{family => F, addr => loopback, port => list_to_integer(Port)},
    [begin
         Msg = msg(I),
         ok = socket:sendto(U, Msg, Dest),
         {ok, {_, Msg}} = socket:recvfrom(U, 0, 10000)
     end || I <- lists:seq(1, list_to_integer(N))],
    say("ok", []);
main(["reasons"]) ->
    [say("~s ~s", [Name, result(catch Fun())]) || {Name, Fun} <- reasons()].

%% reasons are the cases of TestReasonsMatchErlang, in the same words.
reasons() ->
    [{"open_stream_udp", fun() -> socket:open(inet, stream, udp) end},
     {"open_dgram_tcp", fun() -> socket:open(inet6, dgram, tcp) end},
     {"bind_twice", fun() -> S = tcp(), ok = socket:bind(S, loopback), socket:bind(S, loopback) end},
     {"bind_inet6_on_inet", fun() -> socket:bind(tcp(), #{family => inet6, addr => loopback, port => 0}) end},
     {"listen_dgram", fun() -> socket:listen(udp()) end},
     {"accept_timeout", fun() -> {L, _} = listener(), socket:accept(L, 0) end},
     {"accept_connection", fun() -> {C, _} = pair(), socket:accept(C, 0) end},
     {"accept_dgram", fun() -> socket:accept(udp(), 0) end},
     {"connect_refused", fun() -> connect_refused() end},
     {"recv_timeout", fun() -> {_, A} = pair(), socket:recv(A, 0, 0) end},
     {"recv_partial_timeout", fun() -> {C, A} = pair(), ok = socket:send(C, <<"abc">>), socket:recv(A, 5, 200) end},
     {"recv_partial_closed", fun() -> {C, A} = pair(), ok = socket:send(C, <<"abc">>), ok = socket:close(C), socket:recv(A, 5, 1000) end},
     {"recv_after_close", fun() -> {C, A} = pair(), ok = socket:close(C), {error, closed} = socket:recv(A, 0, 1000), socket:recv(A, 0, 1000) end},
     {"recv_reset", fun() -> {C, A} = pair(), reset(C), socket:recv(A, 0, 1000) end},
     {"recv_after_reset", fun() -> {C, A} = pair(), reset(C), _ = socket:recv(A, 0, 1000), socket:recv(A, 0, 1000) end},
     {"recv_unconnected", fun() -> socket:recv(tcp(), 0, 0) end},
     {"recv_closed_socket", fun() -> S = tcp(), ok = socket:close(S), socket:recv(S, 0, 0) end},
     {"send_listener", fun() -> {L, _} = listener(), socket:send(L, <<"a">>) end},
     {"send_after_shutdown", fun() -> {C, _} = pair(), ok = socket:shutdown(C, write), socket:send(C, <<"a">>) end},
     {"send_unconnected_udp", fun() -> socket:send(udp(), <<"a">>) end},
     {"sendto_unconnected_tcp", fun() -> socket:sendto(tcp(), <<"a">>, #{family => inet, addr => loopback, port => 9}) end},
     {"sendto_too_big", fun() -> socket:sendto(udp(), binary:copy(<<0>>, 70000), #{family => inet, addr => loopback, port => 9}) end},
     {"sendto_inet6_on_inet", fun() -> socket:sendto(udp(), <<"a">>, #{family => inet6, addr => loopback, port => 9}) end},
     {"shutdown_udp", fun() -> socket:shutdown(udp(), read) end},
     {"peername_unconnected", fun() -> socket:peername(udp()) end},
     {"close_twice", fun() -> S = udp(), ok = socket:close(S), socket:close(S) end},
     {"udp_recv_0_of_20000", fun() -> udp_recv(0, 20000) end},
     {"udp_recv_3_of_10", fun() -> udp_recv(3, 10) end},
     {"udp_recv_30000_of_20000", fun() -> udp_recv(30000, 20000) end},
     {"getopt_type", fun() -> socket:getopt(udp(), {socket, type}) end},
     {"getopt_rcvbuf", fun() -> socket:getopt(tcp(), {otp, rcvbuf}) end},
     {"getopt_reuseaddr", fun() -> socket:getopt(tcp(), {socket, reuseaddr}) end},
     {"getopt_linger", fun() -> socket:getopt(tcp(), {socket, linger}) end},
     {"getopt_linger_set", fun() -> S = tcp(), ok = socket:setopt(S, {socket, linger}, #{onoff => true, linger => 7}), socket:getopt(S, {socket, linger}) end},
     {"getopt_unbound_sockname", fun() -> socket:sockname(udp()) end}].

%% result prints a call's result as the Go test does: the reason of an
%% error, with the size of the data that came with it; a value as itself.
result({error, {Reason, Data}}) when is_binary(Data) -> io_lib:format("~w ~w", [Reason, byte_size(Data)]);
result({error, Reason}) -> atom_to_list(Reason);
result({ok, #{onoff := OnOff, linger := Linger}}) -> io_lib:format("~w ~w", [OnOff, Linger]);
result({ok, Value}) when is_map(Value) -> print(Value);
result({ok, Value}) -> io_lib:format("~w", [Value]);
result(ok) -> "ok";
result({'EXIT', Reason}) -> io_lib:format("exit ~w", [Reason]).

tcp() -> {ok, S} = socket:open(inet, stream, tcp), S.
udp() -> {ok, S} = socket:open(inet, dgram, udp), S.

listener() ->
    L = tcp(),
    ok = socket:bind(L, loopback),
    ok = socket:listen(L),
    {ok, Addr} = socket:sockname(L),
    {L, Addr}.

pair() ->
    {L, Addr} = listener(),
    C = tcp(),
    ok = socket:connect(C, Addr),
    {ok, A} = socket:accept(L),
    {C, A}.

reset(S) ->
    ok = socket:setopt(S, {socket, linger}, #{onoff => true, linger => 0}),
    ok = socket:close(S).

connect_refused() ->
    S = tcp(),
    ok = socket:bind(S, loopback),
    {ok, Addr} = socket:sockname(S),
    ok = socket:close(S),
    socket:connect(tcp(), Addr).

udp_recv(Length, Size) ->
    A = udp(), B = udp(),
    ok = socket:bind(B, loopback),
    {ok, Dest} = socket:sockname(B),
    ok = socket:sendto(A, binary:copy(<<1>>, Size), Dest),
    {ok, Data} = socket:recv(B, Length, 1000),
    {ok, byte_size(Data)}.

msg(I) -> << <<((X + I) band 255)>> || X <- lists:seq(0, (I * 37) rem 3000) >>.

print(Term) -> io_lib:print(Term, 1, 1000, -1).

say(Format, Args) -> io:format(Format ++ "~n", Args).
