#!/usr/bin/env escript
%% -*- erlang -*-
%%! +sbwt none +sbwtdcpu none +sbwtdio none
%%
%% erlecho: the benchmark's Erlang/OTP echo server on gen_tcp.
%%
%%   escript erlecho.escript [-addr 127.0.0.1:0] [-packet raw|1|2|4|line]
%%                           [-active once|true|false|N] [-acceptors 10]
%%                           [-tls-cert FILE -tls-key FILE]
%%
%% A pool of acceptor processes each accepts a socket, hands it to a new
%% process with controlling_process, and accepts again. The connection
%% process echoes {tcp, S, Data} with gen_tcp:send; with {active, once} it
%% re-arms after every message, with {active, N} on {tcp_passive, S}.
%% With -tls-cert and -tls-key (PEM files) it serves TLS with OTP's ssl
%% (needs erlang-ssl): ssl:transport_accept in the acceptor, ssl:handshake
%% in the connection process, and {ssl, S, Data} echoed with ssl:send in
%% the same active modes ({ssl_passive, S} re-arms {active, N}).
%% Sockets are binary, {nodelay, true} (as Go's net sets by default),
%% {backlog, 1024}, and {buffer, 65536}: the default user-level buffer of
%% 1460 bytes cuts 4 KiB messages into pieces and slows Erlang eightfold,
%% for about 2.7 KB less memory per idle connection.
%%
%% The first line on stdout is "listening on HOST:PORT". A line "stats" on
%% stdin prints "processes N" (erlang:system_info(process_count)); stdin
%% closing changes nothing. SIGTERM stops it (init:stop/0).
%%
%% The emulator flags above turn the schedulers' busy-waiting off, so that
%% the CPU time read from /proc/PID/stat is work, not spinning. The script
%% is compiled (-mode(compile)): an escript is otherwise interpreted by
%% erl_eval before OTP 27, which would make Erlang slower and its
%% processes far bigger than a real server's.

-mode(compile).

main(Args) ->
    Opts = opts(Args, #{addr => "127.0.0.1:0", packet => raw,
                        active => once, acceptors => 10}),
    {Ip, Port} = addr(maps:get(addr, Opts)),
    Active = maps:get(active, Opts),
    TcpOpts = [binary, {ip, Ip}, {active, false},
               {packet, maps:get(packet, Opts)},
               {reuseaddr, true}, {backlog, 1024},
               {nodelay, true}, {buffer, 65536}],
    T = transport(Opts),
    {ok, L} = listen(T, Port, TcpOpts),
    {ok, {_, Bound}} = sockname(T, L),
    io:format("listening on ~s:~b~n", [inet:ntoa(Ip), Bound]),
    [spawn_link(fun() -> accept(T, L, Active) end)
     || _ <- lists:seq(1, maps:get(acceptors, Opts))],
    control().

%% transport is tcp, or {ssl, CertFile, KeyFile} with -tls-cert and -tls-key.
transport(#{cert := C, key := K}) ->
    {ok, _} = application:ensure_all_started(ssl),
    {ssl, C, K};
transport(#{cert := _}) -> usage("-tls-cert needs -tls-key");
transport(#{key := _}) -> usage("-tls-key needs -tls-cert");
transport(_) -> tcp.

listen(tcp, Port, Opts) -> gen_tcp:listen(Port, Opts);
listen({ssl, C, K}, Port, Opts) ->
    ssl:listen(Port, [{certfile, C}, {keyfile, K} | Opts]).

sockname(tcp, L) -> inet:sockname(L);
sockname({ssl, _, _}, L) -> ssl:sockname(L).

%% control answers "stats" on stdin until it closes, then waits for ever.
control() ->
    case io:get_line("") of
        "stats\n" ->
            io:format("processes ~b~n", [erlang:system_info(process_count)]),
            control();
        Line when is_list(Line) ->
            control();
        _ ->
            receive after infinity -> ok end
    end.

accept(tcp, L, Active) ->
    case gen_tcp:accept(L) of
        {ok, S} ->
            Pid = spawn(fun() -> receive {go, S} -> start(S, Active) end end),
            case gen_tcp:controlling_process(S, Pid) of
                ok -> Pid ! {go, S};
                _ -> gen_tcp:close(S), exit(Pid, kill)
            end,
            accept(tcp, L, Active);
        Error ->
            accept_error(tcp, L, Active, Error)
    end;
accept(T = {ssl, _, _}, L, Active) ->
    case ssl:transport_accept(L) of
        {ok, S} ->
            Pid = spawn(fun() -> receive {go, S} -> handshake(S, Active) end end),
            case ssl:controlling_process(S, Pid) of
                ok -> Pid ! {go, S};
                _ -> ssl:close(S), exit(Pid, kill)
            end,
            accept(T, L, Active);
        Error ->
            accept_error(T, L, Active, Error)
    end.

accept_error(T, L, Active, {error, E}) when E =:= emfile; E =:= enfile ->
    timer:sleep(100), % out of fds: back off, as Ranch does
    accept(T, L, Active);
accept_error(_, _, _, {error, closed}) ->
    ok;
accept_error(T, L, Active, _) ->
    accept(T, L, Active).

start(S, false) ->
    passive(S);
start(S, Active) ->
    case inet:setopts(S, [{active, Active}]) of
        ok -> loop(S, Active);
        _ -> gen_tcp:close(S)
    end.

loop(S, Active) ->
    receive
        {tcp, S, Data} ->
            gen_tcp:send(S, Data),
            Active =:= once andalso inet:setopts(S, [{active, once}]),
            loop(S, Active);
        {tcp_passive, S} ->
            inet:setopts(S, [{active, Active}]),
            loop(S, Active);
        {tcp_closed, S} ->
            ok;
        {tcp_error, S, _} ->
            gen_tcp:close(S)
    end.

passive(S) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} -> gen_tcp:send(S, Data), passive(S);
        {error, _} -> gen_tcp:close(S)
    end.

handshake(S0, Active) ->
    case ssl:handshake(S0, 10000) of
        {ok, S} when Active =:= false -> ssl_passive(S);
        {ok, S} ->
            case ssl:setopts(S, [{active, Active}]) of
                ok -> ssl_loop(S, Active);
                _ -> ssl:close(S)
            end;
        {error, _} -> ssl:close(S0)
    end.

ssl_loop(S, Active) ->
    receive
        {ssl, S, Data} ->
            ssl:send(S, Data),
            Active =:= once andalso ssl:setopts(S, [{active, once}]),
            ssl_loop(S, Active);
        {ssl_passive, S} ->
            ssl:setopts(S, [{active, Active}]),
            ssl_loop(S, Active);
        {ssl_closed, S} ->
            ok;
        {ssl_error, S, _} ->
            ssl:close(S)
    end.

ssl_passive(S) ->
    case ssl:recv(S, 0) of
        {ok, Data} -> ssl:send(S, Data), ssl_passive(S);
        {error, _} -> ssl:close(S)
    end.

opts([], M) -> M;
opts(["-addr", A | T], M) -> opts(T, M#{addr => A});
opts(["-packet", P | T], M) -> opts(T, M#{packet => packet(P)});
opts(["-active", A | T], M) -> opts(T, M#{active => active(A)});
opts(["-acceptors", N | T], M) -> opts(T, M#{acceptors => list_to_integer(N)});
opts(["-tls-cert", F | T], M) -> opts(T, M#{cert => F});
opts(["-tls-key", F | T], M) -> opts(T, M#{key => F});
opts([F | _], _) ->
    io:format(standard_error, "flag provided but not defined: ~s~n", [F]),
    halt(2).

usage(Msg) ->
    io:format(standard_error, "erlecho: ~s~n", [Msg]),
    halt(2).

packet("raw") -> raw;
packet("line") -> line;
packet(N) -> list_to_integer(N).

active("once") -> once;
active("true") -> true;
active("false") -> false;
active(N) -> list_to_integer(N).

addr(A) ->
    I = string:rchr(A, $:),
    {ok, Ip} = inet:parse_address(string:sub_string(A, 1, I - 1)),
    {Ip, list_to_integer(string:sub_string(A, I + 1))}.
