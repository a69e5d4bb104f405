#!/usr/bin/env escript
%% Oracle for otpnet's ports of gen_tcp_echo_SUITE and of gen_tcp_misc_SUITE's
%% monitor, system limit and pktoptions cases (echo_suite_test.go,
%% monitor_test.go, system_limit_test.go, pktoptions_test.go): what OTP 25
%% does where those tests assert it of otpnet. Prints one line per
%% scenario: Name Result, Result as ~w.
%%   otp_suites.escript           every scenario but accept_emfile
%%   otp_suites.escript emfile    accept_emfile: run it with a low ulimit -n
%%
%% A scenario waits for the event it means, never for a time to pass: the
%% messages up to the last one it expects (collect/1, within ?WAIT ms, or
%% the list ends in timeout_waiting_for_X), or a state nothing sends word
%% of (until/2). Where it shows that nothing (more) comes, it takes what
%% comes within ?QUIET ms after an event that the unwanted message would
%% come with or before.
-define(WAIT, 5000).
-define(QUIET, 200).

main(["emfile"]) ->
    accept_emfile();
main([]) ->
    monitors(),
    close_draining(),
    pktoptions("recvtos", inet, [{recvtos, tos, 96}]),
    pktoptions("recvtosttl", inet, [{recvtos, tos, 96}, {recvttl, ttl, 33}]),
    pktoptions("recvttl", inet, [{recvttl, ttl, 33}]),
    pktoptions("recvtclass", inet6, [{recvtclass, tclass, 224}]),
    pktoptions_refused(),
    echo_limits(),
    getstat_counts(),
    ok.

out(Name, Term) -> io:format("~s ~w~n", [Name, Term]).

pair(COpts) ->
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, COpts),
    {ok, S} = gen_tcp:accept(L),
    gen_tcp:close(L),
    {C, S}.

%% collect(Until) is the messages that come, with sockets and references
%% left out: {tcp_error, Reason}, tcp_closed, {down, Info} (of a port, or
%% of the socket backend's socket), tcp. Until says up to where:
%%   {downs, N}  the Nth DOWN, then those already here: a DOWN is the last
%%               a dead port or socket says
%%   tcp_closed  tcp_closed, then those within ?QUIET ms: the socket stays
%%   quiet       those within ?QUIET ms: nothing is expected
collect({downs, N}) -> collect(fun(Got) -> length([d || {down, _} <- Got]) >= N end, 0);
collect(tcp_closed) -> collect(fun(Got) -> lists:member(tcp_closed, Got) end, ?QUIET);
collect(quiet) -> collect(fun(_) -> true end, ?QUIET).

collect(Done, Quiet) ->
    collect(Done, Quiet, [], erlang:monotonic_time(millisecond) + ?WAIT).

collect(Done, Quiet, Got, Deadline) ->
    Wait = case Done(Got) of
               true -> Quiet;
               false -> max(0, Deadline - erlang:monotonic_time(millisecond))
           end,
    receive
        {'DOWN', _, port, _, Info} -> collect(Done, Quiet, Got ++ [{down, Info}], Deadline);
        {'DOWN', _, socket, _, Info} -> collect(Done, Quiet, Got ++ [{down, Info}], Deadline);
        {tcp_closed, _} -> collect(Done, Quiet, Got ++ [tcp_closed], Deadline);
        {tcp_error, _, Reason} -> collect(Done, Quiet, Got ++ [{tcp_error, Reason}], Deadline);
        {tcp, _, _} -> collect(Done, Quiet, Got ++ [tcp], Deadline)
    after Wait ->
        case Done(Got) of
            true -> Got;
            false -> Got ++ [timeout_waiting_for_message]
        end
    end.

%% inet:monitor/1 and cancel_monitor/1: when a port exits, the DOWN's
%% Info, and its place among the owner's messages.
monitors() ->
    Ended = fun(Name, COpts, End) ->
                    {C, S} = pair(COpts),
                    _ = inet:monitor(C),
                    End(C, S),
                    out(Name, collect({downs, 1}))
            end,
    Reset = fun(_, S) -> ok = inet:setopts(S, [{linger, {true, 0}}]), gen_tcp:close(S) end,
    Ended("monitor_close", [{active, true}], fun(C, _) -> gen_tcp:close(C) end),
    Ended("monitor_peer_close_active", [{active, true}], fun(_, S) -> gen_tcp:close(S) end),
    Ended("monitor_emsgsize", [{active, true}, {packet, 1}, {packet_size, 2}],
          fun(_, S) -> gen_tcp:send(S, <<5,1,2,3,4,5>>) end),
    Ended("monitor_econnreset_show", [{active, true}, {show_econnreset, true}], Reset),
    Ended("monitor_econnreset", [{active, true}], Reset),
    Self = self(),
    Owner = spawn(fun() ->
                          {ok, L} = gen_tcp:listen(0, []),
                          Self ! {socket, L},
                          receive exit -> ok end
                  end),
    receive {socket, L} -> _ = inet:monitor(L) end,
    Owner ! exit,
    out("monitor_owner_exit", collect({downs, 1})),
    {ok, L2} = gen_tcp:listen(0, []),
    ok = gen_tcp:close(L2),
    _ = inet:monitor(L2),
    out("monitor_noproc", collect({downs, 1})),
    {C1, S1} = pair([{active, false}]),
    _ = inet:monitor(C1),
    ok = gen_tcp:close(S1),
    Recv = gen_tcp:recv(C1, 0),
    Before = collect(quiet),
    ok = inet:setopts(C1, [{active, once}]),
    out("monitor_passive", [Recv, Before, collect({downs, 1})]),
    {C2, S2} = pair([{active, true}, {exit_on_close, false}]),
    _ = inet:monitor(C2),
    ok = gen_tcp:close(S2),
    Closed = collect(tcp_closed),
    ok = gen_tcp:close(C2),
    out("monitor_exit_on_close_false", [Closed, collect({downs, 1})]),
    {C3, _S3} = pair([{active, false}, {send_timeout, 50}, {send_timeout_close, true},
                      {sndbuf, 4096}]),
    _ = inet:monitor(C3),
    TimedOut = send_until_error(C3),
    Closing = collect(quiet),
    ok = gen_tcp:close(C3),
    out("monitor_send_timeout_close", [TimedOut, Closing, collect({downs, 1})]),
    {C6, _S6} = pair([{active, false}, {send_timeout, 50}, {send_timeout_close, true},
                      {sndbuf, 4096}]),
    _ = inet:monitor(C6),
    TimedOut6 = send_until_error(C6),
    ok = inet:setopts(C6, [{active, true}]),
    out("monitor_send_timeout_close_active", [TimedOut6, collect({downs, 1})]),
    {C7, _S7} = pair([{inet_backend, socket}, {active, false}, {send_timeout, 50},
                      {send_timeout_close, true}, {sndbuf, 4096}]),
    _ = inet:monitor(C7),
    TimedOut7 = send_until_error(C7),
    AtTimeout = collect({downs, 1}),
    _ = inet:monitor(C7),
    out("monitor_send_timeout_close_socket", [TimedOut7, AtTimeout, collect({downs, 1})]),
    {C8, _S8} = pair([{inet_backend, socket}, {active, true}]),
    _ = inet:monitor(C8),
    ok = gen_tcp:close(C8),
    out("monitor_close_socket", collect({downs, 1})),
    {C4, _S4} = pair([{active, false}]),
    M4 = inet:monitor(C4),
    Cancels = [inet:cancel_monitor(M4), inet:cancel_monitor(M4)],
    ok = gen_tcp:close(C4),
    out("monitor_cancel", [Cancels, collect(quiet)]),
    {C5, _S5} = pair([{active, false}]),
    M5a = inet:monitor(C5),
    M5b = inet:monitor(C5),
    ok = gen_tcp:close(C5),
    out("monitor_cancel_after_close", [M5a =:= M5b, inet:cancel_monitor(M5a), collect({downs, 2})]).

%% A close that waits for its queue leaves the port open until it is done:
%% another process's recv gets what the peer sent, peername, sockname and
%% getstat answer; a recv still waiting when the close is done answers
%% closed, and then the port is gone. The waits poll a process's state,
%% which nothing sends word of.
close_draining() ->
    out("close_draining", try close_draining1() catch throw:Marker when is_atom(Marker) -> Marker end).

close_draining1() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}, {active, false}, binary, {recbuf, 4096}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [{active, false}, binary, {sndbuf, 4096},
                                                  {high_watermark, 1 bsl 30},
                                                  {low_watermark, 1 bsl 29}]),
    {ok, S} = gen_tcp:accept(L),
    ok = gen_tcp:close(L),
    Size = 256 bsl 10,
    ok = gen_tcp:send(S, <<"from peer">>),
    ok = gen_tcp:send(C, binary:copy(<<1>>, Size)),
    Self = self(),
    Closer = spawn(fun() -> Self ! {closed, gen_tcp:close(C)} end),
    until(timeout_waiting_for_close, fun() -> waits_in(Closer, {prim_inet, close_pend_loop, 3}) end),
    Recv = case gen_tcp:recv(C, 0, ?WAIT) of {ok, B} -> {ok, byte_size(B)}; E -> E end,
    Names = [element(1, inet:peername(C)), element(1, inet:sockname(C))],
    Stat = case inet:getstat(C, [send_pend]) of
               {ok, [{send_pend, N}]} when N > 0 -> ok;
               E2 -> E2
           end,
    Waiter = spawn(fun() -> Self ! {waited, gen_tcp:recv(C, 0)} end),
    until(timeout_waiting_for_recv, fun() -> waits_in(Waiter, {prim_inet, recv0, 3}) end),
    read_n(S, Size),
    Closed = receive {closed, R} -> R after ?WAIT -> close_hangs end,
    Waited = receive {waited, W} -> W after ?WAIT -> recv_hangs end,
    [Recv, Names, Stat, Closed, Waited, element(1, inet:peername(C)), inet:getstat(C, [send_pend])].

%% until(Marker, F) calls F a millisecond apart until it returns true; it
%% throws Marker after ?WAIT ms.
until(Marker, F) -> until(Marker, F, erlang:monotonic_time(millisecond) + ?WAIT).

until(Marker, F, Deadline) ->
    case F() of
        true -> ok;
        false ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> throw(Marker);
                false -> timer:sleep(1), until(Marker, F, Deadline)
            end
    end.

%% waits_in(P, MFA) reports whether P waits in a receive of function MFA:
%% in prim_inet's close_pend_loop/3 and recv0/3, the request is made.
waits_in(P, MFA) ->
    process_info(P, [current_function, status]) =:= [{current_function, MFA}, {status, waiting}].

%% Receives N bytes on S, and drops them.
read_n(_, 0) -> ok;
read_n(S, N) -> {ok, B} = gen_tcp:recv(S, 0), read_n(S, N - byte_size(B)).

%% Sends 64 KiB at a time on C, whose peer does not read, until a send
%% fails (at most 1000 times): its error, or none.
send_until_error(C) ->
    Chunk = binary:copy(<<0>>, 65536),
    Send = fun F(0) -> none;
               F(N) -> case gen_tcp:send(C, Chunk) of ok -> F(N - 1); E -> E end
           end,
    Send(1000).

%% Out of fds, accept says emfile, again and again; with an fd freed it
%% accepts the connection that waited.
accept_emfile() ->
    %% No fd will be left to load a module with: load those the output
    %% and an escript's crash report need now.
    _ = io_lib:format("~w ~p", [loaded, loaded]),
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}, {active, false}, {backlog, 128}]),
    {ok, Port} = inet:port(L),
    %% Connect and accept until accept fails. Whether the last free fd
    %% goes to a connect or to an accept depends on how many fds the
    %% runtime holds: when a connect finds none, close the last client
    %% (its accepted peer stays open) and connect again.
    Fill = fun Fill(Socks) ->
                   case gen_tcp:connect({127,0,0,1}, Port, [{active, false}]) of
                       {ok, C} ->
                           case gen_tcp:accept(L, 5000) of
                               {ok, A} -> Fill([A, C | Socks]);
                               Error -> {Error, Socks}
                           end;
                       {error, emfile} ->
                           [A, C | Rest] = Socks,
                           ok = gen_tcp:close(C),
                           Fill([A | Rest])
                   end
           end,
    {First, [A | _]} = Fill([]),
    Again = gen_tcp:accept(L, 5000),
    ok = gen_tcp:close(A),
    Freed = case gen_tcp:accept(L, 5000) of
                {ok, _} -> ok;
                Other -> Other
            end,
    out("accept_emfile", [First, Again, Freed]).

%% gen_tcp_misc_SUITE's test_pktoptions/4, each getopts it makes, in
%% order, as Name [Opts...]: the listener's recv options and options, the
%% connecting and the accepted socket's, their pktoptions; then, with the
%% listener's recv options off and the options set there, the same for a
%% second connection.
pktoptions(Name, Family, Spec) ->
    T = 5000,
    RecvOpts = [R || {R, _, _} <- Spec],
    True = [{R, true} || {R, _, _} <- Spec],
    False = [{R, false} || {R, _, _} <- Spec],
    Opts = [O || {_, O, _} <- Spec],
    Vals = [{O, V} || {_, O, V} <- Spec],
    Addr = case Family of inet -> {127,0,0,1}; inet6 -> {0,0,0,0,0,0,0,1} end,
    Base = [Family, binary, {active, false}, {send_timeout, T}],
    Get = fun(S, Names) -> {ok, Got} = inet:getopts(S, Names), Got end,
    Pkt = fun(S) -> {ok, [{pktoptions, P}]} = inet:getopts(S, [pktoptions]), P end,
    {ok, L} = gen_tcp:listen(0, [{ip, Addr} | Base ++ True]),
    {ok, Port} = inet:port(L),
    Got1 = [Get(L, RecvOpts), Get(L, Opts)],
    {ok, S2} = gen_tcp:connect(Addr, Port, Base ++ True ++ Vals, T),
    Got2 = [Get(S2, RecvOpts), Get(S2, Opts)],
    {ok, S1} = gen_tcp:accept(L, T),
    Got3 = [Get(S1, RecvOpts), Get(S1, Opts), Pkt(S1), Pkt(S2)],
    ok = gen_tcp:close(S2),
    ok = gen_tcp:close(S1),
    ok = inet:setopts(L, False ++ Vals),
    Got4 = [Get(L, RecvOpts), Get(L, Opts)],
    {ok, S4} = gen_tcp:connect(Addr, Port, Base ++ True, T),
    Got5 = [Get(S4, RecvOpts), Get(S4, Opts)],
    {ok, S3} = gen_tcp:accept(L, T),
    Got6 = [Get(S3, RecvOpts), Get(S3, Opts), Pkt(S3), Pkt(S4)],
    [ok = gen_tcp:close(S) || S <- [S4, S3, L]],
    out("pktoptions_" ++ Name, Got1 ++ Got2 ++ Got3 ++ Got4 ++ Got5 ++ Got6).

%% pktoptions cannot be set; recvtclass is refused on an IPv4 socket.
pktoptions_refused() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}]),
    out("pktoptions_refused", [inet:setopts(L, [{pktoptions, []}]),
                               inet:setopts(L, [{recvtclass, true}]),
                               gen_tcp:listen(0, [{ip, {127,0,0,1}}, {recvtclass, true}])]),
    ok = gen_tcp:close(L).

%% What {packet_size, 10} bounds, for the echo suite's limit cases: a
%% socket of each type receives a packet, and recv says ok (raw: how many
%% bytes) or the error. The payload for the suite's types; nothing for
%% raw; for fcgi the content and the padding, not the header.
echo_limits() ->
    A = fun(N) -> binary:copy(<<"a">>, N) end,
    Fcgi = fun(N, Pad) -> <<1, 5, 0, 1, N:16, Pad, 0, (A(N))/binary, (binary:copy(<<0>>, Pad))/binary>> end,
    Cases = [{1, <<10, (A(10))/binary>>}, {1, <<11, (A(11))/binary>>},
             {sunrm, <<10:32, (A(10))/binary>>}, {sunrm, <<11:32, (A(11))/binary>>},
             {tpkt, <<3, 0, 14:16, (A(10))/binary>>}, {tpkt, <<3, 0, 15:16, (A(11))/binary>>},
             {fcgi, Fcgi(3, 7)}, {fcgi, Fcgi(4, 7)}, {fcgi, Fcgi(10, 0)}, {fcgi, Fcgi(11, 0)},
             {raw, A(11)}],
    out("echo_limits", [echo_limit(T, B) || {T, B} <- Cases]).

echo_limit(Type, Bin) ->
    {C, S} = pair([binary, {active, false}, {packet, Type}, {packet_size, 10}]),
    ok = gen_tcp:send(S, Bin),
    Result = case gen_tcp:recv(C, 0, ?WAIT) of
                 {ok, Got} when Type =:= raw -> byte_size(Got);
                 {ok, _} -> ok;
                 Error -> Error
             end,
    gen_tcp:close(C),
    gen_tcp:close(S),
    Result.

%% getstat_counts: what inet:getstat's receive counters are after each
%% step ([recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi]): three
%% {packet, 4} packets in one send; raw recv of 4 and of the rest; three
%% lines; a partial {packet, 4} packet (a recv that times out); its rest;
%% an {active, true} raw message.
getstat_counts() ->
    {C, S} = pair([binary, {active, false}]),
    ok = inet:setopts(S, [binary, {packet, 4}]),
    St = fun() ->
                 {ok, L} = inet:getstat(S, [recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi]),
                 [V || {_, V} <- L]
         end,
    ok = gen_tcp:send(C, [<<0, 0, 0, 3, "abc">>, <<0, 0, 0, 5, "hello">>, <<0, 0, 0, 1, "x">>]),
    {ok, <<"abc">>} = gen_tcp:recv(S, 0, ?WAIT),
    {ok, <<"hello">>} = gen_tcp:recv(S, 0, ?WAIT),
    {ok, <<"x">>} = gen_tcp:recv(S, 0, ?WAIT),
    A = St(),
    ok = inet:setopts(S, [{packet, raw}]),
    ok = gen_tcp:send(C, <<"0123456789">>),
    {ok, <<"0123">>} = gen_tcp:recv(S, 4, ?WAIT),
    {ok, <<"456789">>} = gen_tcp:recv(S, 6, ?WAIT),
    B = St(),
    ok = inet:setopts(S, [{packet, line}]),
    ok = gen_tcp:send(C, <<"ab\ncd\nef\n">>),
    {ok, <<"ab\n">>} = gen_tcp:recv(S, 0, ?WAIT),
    {ok, <<"cd\n">>} = gen_tcp:recv(S, 0, ?WAIT),
    {ok, <<"ef\n">>} = gen_tcp:recv(S, 0, ?WAIT),
    D = St(),
    ok = inet:setopts(S, [{packet, 4}]),
    ok = gen_tcp:send(C, [<<0, 0, 0, 100>>, binary:copy(<<"a">>, 10)]),
    {error, timeout} = gen_tcp:recv(S, 0, ?QUIET),
    E = St(),
    ok = gen_tcp:send(C, binary:copy(<<"a">>, 90)),
    {ok, <<_:100/binary>>} = gen_tcp:recv(S, 0, ?WAIT),
    F = St(),
    ok = inet:setopts(S, [{packet, raw}, {active, true}]),
    ok = gen_tcp:send(C, <<"xyz">>),
    receive {tcp, S, <<"xyz">>} -> ok after ?WAIT -> exit(no_tcp) end,
    G = St(),
    gen_tcp:close(C),
    gen_tcp:close(S),
    out("getstat_counts", [A, B, D, E, F, G]).
