#!/usr/bin/env escript
%% Interop peer for otpnet's idle-buffer test, on OTP's ssl, {packet, 4}:
%%   ssl_big.escript server Dir Count      : listen, print the port, echo Count messages
%%   ssl_big.escript client Dir Port Sizes : send a message of each of Sizes (a
%%                                           comma-separated list), check each echo
%% After each echo either side asks for a key update (ssl:update_keys/2,
%% read_write), which the other must answer. Dir holds ca.pem, server.pem,
%% server-key.pem. Message I of size N is N bytes of (X * 7 + I) rem 256.
main(["server", Dir, C]) ->
    {ok, _} = application:ensure_all_started(ssl),
    {ok, L} = ssl:listen(0, [binary, {packet, 4}, {active, false}, {reuseaddr, true},
                             {ip, {127,0,0,1}},
                             {certfile, filename:join(Dir, "server.pem")},
                             {keyfile, filename:join(Dir, "server-key.pem")},
                             {versions, ['tlsv1.3']}]),
    {ok, {_, Port}} = ssl:sockname(L),
    io:format("~b~n", [Port]),
    {ok, T} = ssl:transport_accept(L, 10000),
    {ok, S} = ssl:handshake(T, 10000),
    [begin
         {ok, D} = ssl:recv(S, 0, 10000),
         ok = ssl:send(S, D),
         ok = ssl:update_keys(S, read_write)
     end || _ <- lists:seq(1, list_to_integer(C))],
    {error, closed} = ssl:recv(S, 0, 10000),
    io:format("ok~n");
main(["client", Dir, PortS, SizesS]) ->
    {ok, _} = application:ensure_all_started(ssl),
    {ok, S} = ssl:connect("localhost", list_to_integer(PortS),
                          [binary, {packet, 4}, {active, false},
                           {verify, verify_peer},
                           {cacertfile, filename:join(Dir, "ca.pem")},
                           {versions, ['tlsv1.3']}], 10000),
    Sizes = [list_to_integer(N) || N <- string:split(SizesS, ",", all)],
    lists:foldl(fun(N, I) ->
                        M = pattern(N, I),
                        ok = ssl:send(S, M),
                        {ok, M} = ssl:recv(S, 0, 10000),
                        ok = ssl:update_keys(S, read_write),
                        I + 1
                end, 0, Sizes),
    io:format("ok~n"),
    ssl:close(S).

pattern(N, I) -> << <<((X * 7 + I) rem 256):8>> || X <- lists:seq(0, N - 1) >>.
