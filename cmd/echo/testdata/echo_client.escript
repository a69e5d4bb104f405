#!/usr/bin/env escript
%% A gen_tcp client of cmd/echo: escript echo_client.escript Port Packet
%%
%% It connects with {packet, Packet} (raw, 1, 2, 4 or line), passive, and
%% checks the echo of each message, sent one at a time, then of all of
%% them sent at once, so that the server has to frame coalesced data.
%% It prints "ok N" and exits 0, or crashes (and escript exits 127).
-mode(compile).

main([PortS, PacketS]) ->
    Packet = packet(PacketS),
    {ok, S} = gen_tcp:connect({127,0,0,1}, list_to_integer(PortS),
                              [binary, {packet, Packet}, {active, false},
                               {buffer, 1 bsl 20}]),
    Msgs = msgs(Packet),
    [echo(S, Packet, [M]) || M <- Msgs],
    echo(S, Packet, Msgs),
    ok = gen_tcp:close(S),
    io:format("ok ~p~n", [length(Msgs)]).

packet("raw") -> raw;
packet("line") -> line;
packet(N) -> list_to_integer(N).

msgs(raw) -> [<<"hello">>, <<"a\nb\n">>, big(100000)];
msgs(line) -> [<<"hello\n">>, <<"\n">>, <<(big(10000))/binary, "\n">>];
msgs(1) -> [<<"x">>, <<>>, big(255)];
msgs(2) -> [<<"hello">>, <<>>, big(65535)];
msgs(4) -> [<<"hello">>, <<>>, big(300000)].

big(N) -> list_to_binary([$a + (I rem 26) || I <- lists:seq(1, N)]).

%% Sends Msgs and reads their echoes back.
echo(S, raw, Msgs) ->
    All = iolist_to_binary(Msgs),
    ok = gen_tcp:send(S, All),
    {ok, All} = gen_tcp:recv(S, byte_size(All), 5000);
echo(S, _, Msgs) ->
    [ok = gen_tcp:send(S, M) || M <- Msgs],
    [{ok, M} = gen_tcp:recv(S, 0, 5000) || M <- Msgs].
