#!/usr/bin/env escript
%% The echo servers of gen_tcp_echo_SUITE, for otpnet's port of the suite
%% (echo_suite_test.go): it prints its port, serves Count connections,
%% each by a process of its own, and exits when they have all closed.
%%   echo_suite.escript echo Count   echo_server/0: echoes what it reads
%%   echo_suite.escript slow Count   slow_echo_server/0: echoes it a byte
%%                                   at a time, 1 ms apart
main([Mode, Count]) ->
    Opts = case Mode of
               "echo" -> [binary];
               "slow" -> [list, {nodelay, true}]
           end,
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}, {active, false} | Opts]),
    {ok, Port} = inet:port(L),
    io:format("~b~n", [Port]),
    Echoers = [begin
                   {ok, S} = gen_tcp:accept(L),
                   {Pid, Ref} = spawn_monitor(fun() -> receive go -> echo(S, Mode) end end),
                   ok = gen_tcp:controlling_process(S, Pid),
                   Pid ! go,
                   Ref
               end || _ <- lists:seq(1, list_to_integer(Count))],
    [receive {'DOWN', Ref, process, _, normal} -> ok end || Ref <- Echoers],
    ok.

%% An echoer ends when its client closes (or resets: a client that gave
%% up on a packet too long closes with the echo unread).
echo(S, Mode) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} ->
            case send(S, Mode, Data) of
                ok -> echo(S, Mode);
                {error, _} -> gen_tcp:close(S)
            end;
        {error, _} ->
            gen_tcp:close(S)
    end.

send(S, "echo", Data) ->
    gen_tcp:send(S, Data);
send(_S, "slow", []) ->
    ok;
send(S, "slow", [C | Rest]) ->
    case gen_tcp:send(S, [C]) of
        ok -> receive after 1 -> send(S, "slow", Rest) end;
        Error -> Error
    end.
