#!/usr/bin/env escript
%% Interop peer for otpnet's ssl tests, on OTP's ssl.
%%   ssl_echo.escript server Packet Active Count Dir      : listen, print the port, echo Count packets
%%   ssl_echo.escript client Packet Active Count Dir Port : send Count packets, check the echoes
%% Packet is raw | 2 | 4 | line; Active is once | false | N (an integer:
%% {active, N}, re-armed at each ssl_passive). Dir holds ca.pem,
%% server.pem, server-key.pem. The client also asks for a key update
%% (ssl:update_keys/2, read_write) halfway, which the server must answer.
main(["server", P, A, C, Dir]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Packet = packet(P), Active = active(A), Count = list_to_integer(C),
    {ok, L} = ssl:listen(0, [binary, {packet, Packet}, {active, false}, {reuseaddr, true},
                             {ip, {127,0,0,1}},
                             {certfile, filename:join(Dir, "server.pem")},
                             {keyfile, filename:join(Dir, "server-key.pem")},
                             {versions, ['tlsv1.3', 'tlsv1.2']}]),
    {ok, {_, Port}} = ssl:sockname(L),
    io:format("~b~n", [Port]),
    {ok, T} = ssl:transport_accept(L, 10000),
    {ok, S} = ssl:handshake(T, 10000),
    arm(S, Active),
    echo(S, Packet, Active, total(Packet, Count)),
    ssl:close(S);
main(["client", P, A, C, Dir, PortS]) ->
    {ok, _} = application:ensure_all_started(ssl),
    Packet = packet(P), Active = active(A), Count = list_to_integer(C),
    {ok, S} = ssl:connect("localhost", list_to_integer(PortS),
                          [binary, {packet, Packet}, {active, false},
                           {verify, verify_peer},
                           {cacertfile, filename:join(Dir, "ca.pem")},
                           {versions, ['tlsv1.3', 'tlsv1.2']}], 10000),
    Msgs = [msg(Packet, I) || I <- lists:seq(1, Count)],
    {First, Second} = lists:split(Count div 2, Msgs),
    [ok = ssl:send(S, M) || M <- First],
    ok = ssl:update_keys(S, read_write),
    [ok = ssl:send(S, M) || M <- Second],
    arm(S, Active),
    Want = iolist_to_binary(Msgs),
    Got = collect(S, Active, byte_size(Want), <<>>),
    case Got =:= Want of
        true -> io:format("ok ~b~n", [byte_size(Got)]);
        false -> io:format("mismatch ~b ~b~n", [byte_size(Got), byte_size(Want)])
    end,
    ssl:close(S).

packet("raw") -> raw;
packet("line") -> line;
packet(N) -> list_to_integer(N).

active("once") -> once;
active("false") -> false;
active(N) -> list_to_integer(N).

arm(_S, false) -> ok;
arm(S, A) -> ok = ssl:setopts(S, [{active, A}]).

%% The messages: sizes vary, bytes follow a pattern; lines end with \n.
msg(line, I) -> <<(pattern(I rem 200, $a))/binary, $\n>>;
msg(_, I) -> pattern((I * 37) rem 3000, 0).

pattern(N, Base) -> << <<(Base + (X rem 26)):8>> || X <- lists:seq(1, N) >>.

%% For raw the server echoes bytes until it has seen them all.
total(raw, Count) -> byte_size(iolist_to_binary([msg(raw, I) || I <- lists:seq(1, Count)]));
total(_, Count) -> {packets, Count}.

echo(_S, _P, _A, 0) -> ok;
echo(_S, _P, _A, {packets, 0}) -> ok;
echo(S, P, A, Left) ->
    Data = next(S, A),
    ok = ssl:send(S, Data),
    echo(S, P, A, left(Left, Data)).

left({packets, N}, _) -> {packets, N - 1};
left(N, Data) -> N - byte_size(Data).

next(S, false) -> {ok, D} = ssl:recv(S, 0, 10000), D;
next(S, once) ->
    receive
        {ssl, S, D} -> ok = ssl:setopts(S, [{active, once}]), D
    after 10000 -> exit(timeout)
    end;
next(S, N) ->
    receive
        {ssl, S, D} -> D;
        {ssl_passive, S} -> ok = ssl:setopts(S, [{active, N}]), next(S, N)
    after 10000 -> exit(timeout)
    end.

collect(_S, _A, Want, Acc) when byte_size(Acc) >= Want -> Acc;
collect(S, A, Want, Acc) ->
    D = next(S, A),
    collect(S, A, Want, <<Acc/binary, D/binary>>).
