#!/usr/bin/env escript
%% The EchoServer of "gen_tcp Basics", in Erlang: it listens on a free
%% port of 127.0.0.1 with {packet, line}, prints the port, accepts one
%% client and echoes its lines until it closes.
-mode(compile).

main([]) ->
    {ok, L} = gen_tcp:listen(0, [binary, {packet, line}, {active, false},
                                 {reuseaddr, true}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    io:format("~p~n", [Port]),
    {ok, C} = gen_tcp:accept(L, 10000),
    serve(C).

serve(S) ->
    case gen_tcp:recv(S, 0, 10000) of
        {ok, Line} -> ok = gen_tcp:send(S, Line), serve(S);
        {error, closed} -> ok
    end.
