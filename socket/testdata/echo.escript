#!/usr/bin/env escript
%% Interop peer for otpnet's socket tests.
%%   echo.escript server Packet Active Count      : listen, print the port, echo Count packets
%%   echo.escript client Packet Active Count Port : send Count packets, check the echoes
%% Packet is raw | 2 | 4 | line; Active is once | false.
main(["server", P, A, C]) ->
    Packet = packet(P), Active = list_to_atom(A), Count = list_to_integer(C),
    {ok, L} = gen_tcp:listen(0, [binary, {packet, Packet}, {active, false}, {reuseaddr, true}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    io:format("~b~n", [Port]),
    {ok, S} = gen_tcp:accept(L, 10000),
    ok = inet:setopts(S, [{active, Active}]),
    echo(S, Packet, Active, total(Packet, Count)),
    gen_tcp:close(S);
main(["client", P, A, C, PortS]) ->
    Packet = packet(P), Active = list_to_atom(A), Count = list_to_integer(C),
    {ok, S} = gen_tcp:connect({127,0,0,1}, list_to_integer(PortS), [binary, {packet, Packet}, {active, false}], 10000),
    Msgs = [msg(Packet, I) || I <- lists:seq(1, Count)],
    [ok = gen_tcp:send(S, M) || M <- Msgs],
    ok = inet:setopts(S, [{active, Active}]),
    Want = iolist_to_binary(Msgs),
    Got = collect(S, Packet, Active, byte_size(Want), <<>>),
    case Got =:= Want of
        true -> io:format("ok ~b~n", [byte_size(Got)]);
        false -> io:format("mismatch ~b ~b~n", [byte_size(Got), byte_size(Want)])
    end,
    gen_tcp:close(S).

packet("raw") -> raw;
packet("line") -> line;
packet(N) -> list_to_integer(N).

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
    ok = gen_tcp:send(S, Data),
    echo(S, P, A, left(Left, Data)).

left({packets, N}, _) -> {packets, N - 1};
left(N, Data) -> N - byte_size(Data).

next(S, false) -> {ok, D} = gen_tcp:recv(S, 0, 10000), D;
next(S, once) ->
    ok = inet:setopts(S, [{active, once}]),
    receive {tcp, S, D} -> D after 10000 -> exit(timeout) end.

collect(_S, _P, _A, Want, Acc) when byte_size(Acc) >= Want -> Acc;
collect(S, P, A, Want, Acc) ->
    D = next(S, A),
    collect(S, P, A, Want, <<Acc/binary, (frame(P, D))/binary>>).

%% What was sent, framed back: packet N strips the header on both sides.
frame(_, D) -> D.
