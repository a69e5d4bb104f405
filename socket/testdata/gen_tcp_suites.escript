#!/usr/bin/env escript
%% Oracle for the ports of gen_tcp_misc_SUITE and gen_tcp_api_SUITE
%% (misc_suite_test.go, api_suite_test.go): what OTP does where those tests
%% assert more than the OTP case, or where otpnet was changed to match.
%% Prints one line per scenario: Name Result, Result as ~w.
main(_) ->
    [sync_send(Show) || Show <- [false, true]],
    first_send_returns(),
    [async_active(Show) || Show <- [false, true]],
    async_once(),
    [async_passive(Show) || Show <- [false, true]],
    http_bad(),
    otp_8102(),
    prio(),
    fdopen_active(),
    local_names(),
    closed_names(),
    async_accept(),
    async_recv(),
    killing_acceptor(),
    recv_killed(),
    ok.

out(Name, Term) -> io:format("~s ~w~n", [Name, Term]).

pair(LOpts, COpts) ->
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}} | LOpts]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, COpts),
    {ok, S} = gen_tcp:accept(L),
    gen_tcp:close(L),
    {C, S}.

reset(S) ->
    ok = inet:setopts(S, [{linger, {true, 0}}]),
    ok = gen_tcp:close(S),
    timer:sleep(20).

flush() -> receive M -> [M | flush()] after 0 -> [] end.

strip(Msgs) -> [setelement(2, M, s) || M <- Msgs].

%% econnreset_after_sync_send, and what follows.
sync_send(Show) ->
    {C, S} = pair([], [{active, false}, {show_econnreset, Show}]),
    reset(S),
    out(io_lib:format("sync_send_show_~w", [Show]),
        [gen_tcp:send(C, "Whatever"), gen_tcp:send(C, "Whatever"),
         gen_tcp:recv(C, 0, 100), gen_tcp:recv(C, 0, 100)]).

%% A send that finds the queue empty returns at once, however much it
%% leaves queued; the next waits (here: times out).
first_send_returns() ->
    {C, S} = pair([{recbuf, 4096}], [{active, false}, {sndbuf, 4096}, {send_timeout, 200}]),
    First = gen_tcp:send(C, lists:duplicate(1 bsl 20, $.)),
    {queue_size, Q} = erlang:port_info(C, queue_size),
    Second = gen_tcp:send(C, "x"),
    out("first_send_returns", [First, Q > 0, Second]),
    gen_tcp:close(S), gen_tcp:close(C).

async_setup(Show, Active) ->
    {C, S} = pair([{recbuf, 4096}], [{active, Active}, {sndbuf, 4096}, {show_econnreset, Show}]),
    ok = gen_tcp:send(C, lists:duplicate(1 bsl 20, $.)),
    {C, S}.

async_active(Show) ->
    {C, S} = async_setup(Show, true),
    ok = gen_tcp:send(S, "Whatever"),
    timer:sleep(20),
    reset(S),
    Msgs = strip(flush()),
    out(io_lib:format("async_active_show_~w", [Show]), [Msgs, gen_tcp:send(C, "x")]).

async_once() ->
    {C, S} = async_setup(true, false),
    ok = gen_tcp:send(S, "Whatever"),
    timer:sleep(20),
    reset(S),
    [] = flush(),
    ok = inet:setopts(C, [{active, once}]),
    timer:sleep(20),
    out("async_once", strip(flush())).

async_passive(Show) ->
    {C, S} = async_setup(Show, false),
    ok = inet:setopts(S, [{linger, {true, 0}}]),
    ok = gen_tcp:send(S, "Whatever"),
    ok = gen_tcp:close(S),
    timer:sleep(20),
    out(io_lib:format("async_passive_show_~w", [Show]), [gen_tcp:recv(C, 0, 100), gen_tcp:recv(C, 0, 100)]).

http_bad() ->
    {C, S} = pair([binary, {packet, http}], [{active, false}, binary]),
    ok = gen_tcp:send(C, "\r\n"),
    ok = gen_tcp:close(C),
    out("http_bad", [gen_tcp:recv(S, 0, 1000), gen_tcp:recv(S, 0, 1000)]).

otp_8102() ->
    R = [begin
             {C, S} = pair([], [binary, {packet, T}, {active, true}]),
             ok = gen_tcp:send(S, Bin),
             M = receive X -> X after 1000 -> timeout end,
             gen_tcp:close(S), gen_tcp:close(C), flush(),
             element(3, M)
         end || {T, Bin} <- [{4, <<16#7fffffff:32>>}, {cdr, <<"GIOP",0,0,1,0,16#7fffffff:32/little>>}]],
    out("otp_8102_2^31-1", R).

prio() ->
    Tos = 3 bsl 5,
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
    ok = inet:setopts(L, [{priority, 3}]),
    ok = inet:setopts(L, [{tos, Tos}]),
    {ok, A} = inet:getopts(L, [priority, tos]),
    ok = inet:setopts(L, [{tos, Tos}, {priority, 5}]),
    {ok, B} = inet:getopts(L, [priority, tos]),
    ok = inet:setopts(L, [{priority, 2}, {tos, Tos}]),
    {ok, D} = inet:getopts(L, [priority, tos]),
    gen_tcp:close(L),
    {C1, S1} = pair([{priority, 4}], []),
    {ok, E} = inet:getopts(S1, [priority]),
    {C2, S2} = pair([{raw, 1, 12, <<5:32/native>>}], []),
    {ok, F} = inet:getopts(S2, [priority]),
    [gen_tcp:close(X) || X <- [C1, S1, C2, S2]],
    out("prio", [A, B, D, E, F]).

fdopen_active() ->
    {C, S} = pair([], [{active, false}]),
    {ok, FD} = prim_inet:getfd(S),
    {ok, Server} = gen_tcp:fdopen(FD, []),
    out("fdopen_active", inet:getopts(Server, [active])),
    gen_tcp:close(C).

local_names() ->
    File = "/tmp/gen_tcp_suites_escript_" ++ os:getpid(),
    file:delete(File),
    {ok, L} = gen_tcp:listen(0, [{ifaddr, {local, File}}, {active, false}]),
    {ok, C} = gen_tcp:connect({local, File}, 0, [{active, false}]),
    {ok, S} = gen_tcp:accept(L),
    {ok, {local, CName}} = inet:sockname(C),
    {ok, {local, SPeer}} = inet:peername(S),
    LPeer = inet:peername(L),
    {ok, LA} = gen_tcp:listen(0, [{ifaddr, {local, <<>>}}, {active, false}]),
    {ok, {local, Abstract}} = inet:sockname(LA),
    [gen_tcp:close(X) || X <- [L, C, S, LA]],
    file:delete(File),
    out("local_names", [CName, SPeer, LPeer, byte_size(Abstract), binary:first(Abstract)]).

%% controlling_process_self's check, and the names of a closed socket.
closed_names() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}]),
    ok = gen_tcp:close(L),
    out("closed_names", [inet:port(L), inet:sockname(L), inet:peername(L)]).

%% prim_inet:async_accept: the result as {inet_async, L, Ref, Result}:
%% a connection that comes later, one waiting already, a timeout, and the
%% listening socket closing.
async_accept() ->
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    Result = fun(Ref) ->
                 receive {inet_async, L, Ref, {ok, S}} when is_port(S) -> gen_tcp:close(S), ok;
                         {inet_async, L, Ref, R} -> R
                 after 2000 -> none end
             end,
    {ok, R1} = prim_inet:async_accept(L, -1),
    {ok, C1} = gen_tcp:connect({127,0,0,1}, Port, []),
    Later = Result(R1),
    {ok, C2} = gen_tcp:connect({127,0,0,1}, Port, []),
    timer:sleep(50),
    {ok, R2} = prim_inet:async_accept(L, -1),
    Waiting = Result(R2),
    {ok, R3} = prim_inet:async_accept(L, 20),
    Timeout = Result(R3),
    {ok, R4} = prim_inet:async_accept(L, -1),
    gen_tcp:close(L),
    Closed = Result(R4),
    out("async_accept", [Later, Waiting, Timeout, Closed]),
    gen_tcp:close(C1), gen_tcp:close(C2).

%% prim_inet:async_recv: data that comes later, data buffered already, a
%% timeout, the peer closing.
async_recv() ->
    {C, S} = pair([], [{active, false}]),
    Result = fun(Ref) ->
                 receive {inet_async, S, Ref, R} -> R after 2000 -> none end
             end,
    {ok, R1} = prim_inet:async_recv(S, 0, -1),
    Again = prim_inet:async_recv(S, 0, -1),
    ok = gen_tcp:send(C, "hello"),
    Later = Result(R1),
    ok = gen_tcp:send(C, "abcdef"),
    timer:sleep(50),
    {ok, "abc"} = gen_tcp:recv(S, 3, 1000),
    {ok, R2} = prim_inet:async_recv(S, 3, -1),
    Buffered = Result(R2),
    {ok, R3} = prim_inet:async_recv(S, 0, 20),
    Timeout = Result(R3),
    {ok, R4} = prim_inet:async_recv(S, 0, -1),
    gen_tcp:close(C),
    Closed = Result(R4),
    out("async_recv", [Later, Again, Buffered, Timeout, Closed]),
    gen_tcp:close(S).

%% killing_acceptor: accepting while the acceptor waits, not once it is
%% killed.
killing_acceptor() ->
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
    A = spawn(fun() -> gen_tcp:accept(L) end),
    timer:sleep(50),
    {ok, St1} = prim_inet:getstatus(L),
    exit(A, kill),
    timer:sleep(50),
    {ok, St2} = prim_inet:getstatus(L),
    out("killing_acceptor", [lists:member(accepting, St1), lists:member(accepting, St2)]),
    gen_tcp:close(L).

%% A recv by a process that is not the owner, killed as it waits: the
%% owner's recv is ealready, and the next packet goes to the dead process.
recv_killed() ->
    {C, S} = pair([], [{active, false}]),
    B = spawn(fun() -> gen_tcp:recv(S, 0) end),
    timer:sleep(50),
    exit(B, kill),
    timer:sleep(50),
    Before = gen_tcp:recv(S, 0, 100),
    ok = gen_tcp:send(C, "hello"),
    timer:sleep(50),
    After = gen_tcp:recv(S, 0, 200),
    out("recv_killed", [Before, After]),
    gen_tcp:close(C), gen_tcp:close(S).
