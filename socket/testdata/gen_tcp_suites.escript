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
    active_open(),
    line_delimiter(),
    [timeout_close(B, A, E) || {B, A, E} <- [{inet, false, true}, {inet, true, true},
                                             {inet, false, false}, {socket, false, true}]],
    [delay_send_error(A, Show) || {A, Show} <- [{false, false}, {true, false}, {false, true}]],
    info_states(),
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
    queue_dropped(C, 5000),
    out(io_lib:format("async_passive_show_~w", [Show]), [gen_tcp:recv(C, 0, 100), gen_tcp:recv(C, 0, 100)]).

%% queue_dropped waits, up to Ms milliseconds, until C's port has seen its
%% send fail and dropped its queue: the reset reaches the port's output
%% event, not a sleep's end, and on a loaded machine a recv made after a
%% fixed sleep could still find the data.
queue_dropped(C, Ms) ->
    case erlang:port_info(C, queue_size) of
        {queue_size, 0} -> ok;
        _ when Ms > 0 -> timer:sleep(1), queue_dropped(C, Ms - 1);
        _ -> ok
    end.

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

%% passive(S) is the tcp_passive S has sent, or none.
passive(S) -> receive {tcp_passive, S} -> passive after 1000 -> none end.

%% active_n's LS2, and around it: {active, N} given when a socket opens.
active_open() ->
    {ok, L} = gen_tcp:listen(0, [{active, 0}, {ip, {127,0,0,1}}]),
    LP = passive(L),
    {ok, [LA]} = inet:getopts(L, [active]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [{active, 2}, {active, -2}]),
    CP = passive(C),
    {ok, [CA]} = inet:getopts(C, [active]),
    {ok, A} = gen_tcp:accept(L),
    {ok, [AA]} = inet:getopts(A, [active]),
    {ok, C2} = gen_tcp:connect({127,0,0,1}, Port, [{active, 2}, {active, 3}]),
    {ok, [CA2]} = inet:getopts(C2, [active]),
    timer:sleep(10),
    Rest = flush(),
    [gen_tcp:close(X) || X <- [L, C, A, C2]],
    out("active_open", [LP, LA, CP, CA, AA, CA2, Rest]).

%% line_delimiter: badarg (raised) at listen, taken by connect and by
%% setopts on a listening socket, which does not pass it on.
line_delimiter() ->
    R1 = (catch gen_tcp:listen(0, [{line_delimiter, $;}])),
    R2 = (catch gen_tcp:listen(0, [{packet, line}, {line_delimiter, $;}])),
    {ok, L} = gen_tcp:listen(0, [binary, {packet, line}, {active, false}, {ip, {127,0,0,1}}]),
    R3 = inet:setopts(L, [{line_delimiter, $;}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [binary, {packet, line}, {active, false}, {line_delimiter, $;}]),
    {ok, A} = gen_tcp:accept(L),
    ok = gen_tcp:send(C, "a;b\n"),
    R4 = gen_tcp:recv(A, 0, 1000),
    ok = gen_tcp:send(A, "x;y\n"),
    R5 = gen_tcp:recv(C, 0, 1000),
    [gen_tcp:close(X) || X <- [L, C, A]],
    out("line_delimiter", [R1, R2, R3, R4, R5]).

%% send_timeout_basic_w_autoclose, and what follows the timeout.
timeout_close(Backend, Active, ExitOnClose) ->
    {ok, L} = gen_tcp:listen(0, [{inet_backend, Backend}, {active, false}, {recbuf, 4096}, {ip, {127,0,0,1}}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port,
                              [{inet_backend, Backend}, {active, Active}, {exit_on_close, ExitOnClose},
                               {send_timeout, 50}, {send_timeout_close, true}, {sndbuf, 4096}]),
    {ok, A} = gen_tcp:accept(L),
    Chunk = binary:copy(<<0>>, 65536),
    Fill = fun F() -> case gen_tcp:send(C, Chunk) of ok -> F(); E -> E end end,
    {error, timeout} = Fill(),
    Sends = [gen_tcp:send(C, Chunk), gen_tcp:send(C, Chunk)],
    Recvs = [gen_tcp:recv(C, 0, 100) || Active =:= false],
    Names = [inet:peername(C), inet:sockname(C), gen_tcp:shutdown(C, write)],
    timer:sleep(20),
    Quiet = flush(),
    Set1 = inet:setopts(C, [{active, true}]),
    timer:sleep(20),
    Told = strip(flush()),
    Set2 = inet:setopts(C, [{active, true}]),
    After = gen_tcp:send(C, Chunk),
    [gen_tcp:close(X) || X <- [C, A, L]],
    Name = io_lib:format("timeout_close_~w_~w_~w", [Backend, Active, ExitOnClose]),
    out(Name, [Sends, Recvs, Names, Quiet, Set1, Told, Set2, After]).

%% delay_send_error: a send queued after shutdown(write) fails in the
%% background; then the next sends and recvs.
delay_send_error(Active, Show) ->
    {C, S} = pair([{packet, 1}], [{packet, 1}, {active, Active}, {delay_send, true}, {show_econnreset, Show}]),
    [ok = gen_tcp:send(C, "hello") || _ <- [1, 2, 3]],
    timer:sleep(20),
    ok = gen_tcp:shutdown(C, write),
    First = gen_tcp:send(C, "hello"),
    timer:sleep(100),
    Msgs = strip(flush()),
    Sends = [gen_tcp:send(C, "hello"), gen_tcp:send(C, "hello")],
    Recvs = [gen_tcp:recv(C, 0, 100) || Active =:= false] ++ [gen_tcp:recv(C, 0, 100) || Active =:= false],
    gen_tcp:close(C), gen_tcp:close(S),
    out(io_lib:format("delay_send_error_~w_~w", [Active, Show]), [First, Msgs, Sends, Recvs]).

%% otp_17492, and the other states of inet:info.
info_states() ->
    States = fun(S) -> maps:get(states, inet:info(S)) end,
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
    Listen = States(L),
    Self = self(),
    spawn(fun() -> {ok, S} = gen_tcp:accept(L, 5000),
                   ok = gen_tcp:controlling_process(S, Self),
                   Self ! {accepted, {ok, S}} end),
    timer:sleep(50),
    Accepting = States(L),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [{active, false}, {sndbuf, 4096},
                                                   {send_timeout, 300}, {send_timeout_close, true}]),
    {ok, A} = receive {accepted, R} -> R end,
    Connected = States(C),
    spawn(fun() -> F = fun G() -> case gen_tcp:send(C, binary:copy(<<0>>, 65536)) of ok -> G(); _ -> ok end end, F() end),
    timer:sleep(100),
    Busy = States(C),
    timer:sleep(500),
    Unconnected = States(C),
    gen_tcp:close(L),
    Closed = inet:info(L),
    [gen_tcp:close(X) || X <- [C, A]],
    out("info_states", [Listen, Accepting, Connected, Busy, Unconnected, Closed]).
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
