#!/usr/bin/env escript
%% Oracle for the ports of gen_tcp_misc_SUITE and gen_tcp_api_SUITE
%% (misc_suite_test.go, api_suite_test.go): what OTP does where those tests
%% assert more than the OTP case, or where otpnet was changed to match.
%% Prints one line per scenario: Name Result, Result as ~w.
%%
%% A scenario waits for the event it means, never for a time to pass: a
%% message it expects (received within ?WAIT ms), or a state of a port or
%% of the kernel that nothing sends word of (polled by await/2). Where it
%% gives up, its line says so: a list of messages ends in
%% timeout_waiting_for_X, or an await throws timeout_waiting_for_X and
%% out/2 prints that in place of the result. Where a scenario shows that
%% nothing comes, it takes what came within a few milliseconds (quiet/1)
%% after an event that the unwanted message would come with or before.
-define(WAIT, 5000).

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

%% out prints Name and what Body returns, or the timeout_waiting_for_X that
%% an await in Body threw.
out(Name, Body) ->
    Result = try Body() catch throw:Marker when is_atom(Marker) -> Marker end,
    io:format("~s ~w~n", [Name, Result]).

%% await(Marker, F) calls F a millisecond apart until it returns something
%% other than false, and returns that; it throws Marker after ?WAIT ms.
await(Marker, F) ->
    await(Marker, F, erlang:monotonic_time(millisecond) + ?WAIT).

await(Marker, F, Deadline) ->
    case F() of
        false ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> throw(Marker);
                false -> timer:sleep(1), await(Marker, F, Deadline)
            end;
        Result -> Result
    end.

%% quiet(Ms) is the messages that came, and those that come within Ms
%% milliseconds, for a scenario that shows that nothing (more) comes.
quiet(Ms) -> receive M -> [M | quiet(Ms)] after Ms -> [] end.

%% until_closed(S) is the messages that come up to S's tcp_closed.
until_closed(S) ->
    receive
        {tcp_closed, S} = M -> [M];
        M -> [M | until_closed(S)]
    after ?WAIT -> [timeout_waiting_for_tcp_closed]
    end.

%% flush drops the messages that came, for a scenario that ends.
flush() -> receive _ -> flush() after 0 -> ok end.

strip(Msgs) -> [case M of {_, _, _} -> setelement(2, M, s); {_, _} -> setelement(2, M, s); _ -> M end || M <- Msgs].

%% tcp_info(S) is S's kernel TCP_INFO (getsockopt IPPROTO_TCP 6, TCP_INFO
%% 11), which reading does not change, as reading SO_ERROR would: the
%% state (7 is CLOSE), on a listening socket the connections waiting for
%% accept (tcpi_unacked), and the bytes received (tcpi_bytes_received).
tcp_info(S) ->
    {ok, [{raw, 6, 11, <<State, _:23/binary, Unacked:32/native, _:100/binary, Received:64/native>>}]} =
        inet:getopts(S, [{raw, 6, 11, 136}]),
    #{state => State, unacked => Unacked, received => Received}.

%% received(S, N) waits until S's kernel has received N bytes (S's port
%% has not necessarily read them).
received(S, N) ->
    await(timeout_waiting_for_data, fun() -> maps:get(received, tcp_info(S)) >= N end).

pair(LOpts, COpts) ->
    {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}} | LOpts]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127,0,0,1}, Port, COpts),
    {ok, S} = gen_tcp:accept(L),
    gen_tcp:close(L),
    {C, S}.

%% reset(S) closes S with a RST.
reset(S) ->
    ok = inet:setopts(S, [{linger, {true, 0}}]),
    ok = gen_tcp:close(S).

%% econnreset_after_sync_send, and what follows: the sends and recvs once
%% the RST is in C's kernel (C's state CLOSE), which C's passive port, with
%% nothing to send, has not looked at.
sync_send(Show) ->
    out(io_lib:format("sync_send_show_~w", [Show]), fun() ->
        {C, S} = pair([], [{active, false}, {show_econnreset, Show}]),
        reset(S),
        await(timeout_waiting_for_reset, fun() -> maps:get(state, tcp_info(C)) =:= 7 end),
        R = [gen_tcp:send(C, "Whatever"), gen_tcp:send(C, "Whatever"),
             gen_tcp:recv(C, 0, 100), gen_tcp:recv(C, 0, 100)],
        gen_tcp:close(C),
        R
    end).

%% A send that finds the queue empty returns at once, however much it
%% leaves queued; the next waits (here: times out).
first_send_returns() ->
    out("first_send_returns", fun() ->
        {C, S} = pair([{recbuf, 4096}], [{active, false}, {sndbuf, 4096}, {send_timeout, 200}]),
        First = gen_tcp:send(C, lists:duplicate(1 bsl 20, $.)),
        {queue_size, Q} = erlang:port_info(C, queue_size),
        Second = gen_tcp:send(C, "x"),
        gen_tcp:close(S), gen_tcp:close(C),
        [First, Q > 0, Second]
    end).

async_setup(Show, Active) ->
    {C, S} = pair([{recbuf, 4096}], [{active, Active}, {sndbuf, 4096}, {show_econnreset, Show}]),
    ok = gen_tcp:send(C, lists:duplicate(1 bsl 20, $.)),
    {C, S}.

%% econnreset_after_async_send_active: C has "Whatever" (as a message) when
%% the peer resets; then what C's port says up to tcp_closed.
async_active(Show) ->
    out(io_lib:format("async_active_show_~w", [Show]), fun() ->
        {C, S} = async_setup(Show, true),
        ok = gen_tcp:send(S, "Whatever"),
        Data = receive {tcp, C, _} = M -> [M] after ?WAIT -> [timeout_waiting_for_data] end,
        reset(S),
        [strip(Data ++ until_closed(C)), gen_tcp:send(C, "x")]
    end).

%% econnreset_after_async_send_active_once: "Whatever" is in C's kernel
%% when the peer resets; the passive port says nothing when its send fails
%% (it says it with the queue dropped, if at all); {active, once} then
%% tells, without the data.
async_once() ->
    out("async_once", fun() ->
        {C, S} = async_setup(true, false),
        ok = gen_tcp:send(S, "Whatever"),
        received(C, 8),
        reset(S),
        queue_empty(C),
        [] = quiet(20),
        ok = inet:setopts(C, [{active, once}]),
        strip(until_closed(C))
    end).

%% econnreset_after_async_send_passive: recv once the send has failed.
async_passive(Show) ->
    out(io_lib:format("async_passive_show_~w", [Show]), fun() ->
        {C, S} = async_setup(Show, false),
        ok = inet:setopts(S, [{linger, {true, 0}}]),
        ok = gen_tcp:send(S, "Whatever"),
        ok = gen_tcp:close(S),
        queue_empty(C),
        R = [gen_tcp:recv(C, 0, 100), gen_tcp:recv(C, 0, 100)],
        gen_tcp:close(C),
        R
    end).

%% queue_empty(C) waits until C's port has no queue (or has exited): it
%% has written what it had, or it has dropped it as it does when a send
%% fails. That a failed send has reached the port's output event, not a
%% sleep's end, matters: on a loaded machine a recv made after a fixed
%% sleep could still find the data.
queue_empty(C) ->
    await(timeout_waiting_for_empty_queue,
          fun() ->
                  case erlang:port_info(C, queue_size) of
                      {queue_size, N} -> N =:= 0;
                      undefined -> true
                  end
          end).

http_bad() ->
    out("http_bad", fun() ->
        {C, S} = pair([binary, {packet, http}], [{active, false}, binary]),
        ok = gen_tcp:send(C, "\r\n"),
        ok = gen_tcp:close(C),
        R = [gen_tcp:recv(S, 0, ?WAIT), gen_tcp:recv(S, 0, ?WAIT)],
        gen_tcp:close(S),
        R
    end).

otp_8102() ->
    out("otp_8102_2^31-1", fun() ->
        [begin
             {C, S} = pair([], [binary, {packet, T}, {active, true}]),
             ok = gen_tcp:send(S, Bin),
             R = receive {_, C, Reason} -> Reason after ?WAIT -> timeout_waiting_for_tcp_error end,
             gen_tcp:close(S), gen_tcp:close(C), flush(),
             R
         end || {T, Bin} <- [{4, <<16#7fffffff:32>>}, {cdr, <<"GIOP",0,0,1,0,16#7fffffff:32/little>>}]]
    end).

prio() ->
    out("prio", fun() ->
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
        [A, B, D, E, F]
    end).

fdopen_active() ->
    out("fdopen_active", fun() ->
        {C, S} = pair([], [{active, false}]),
        {ok, FD} = prim_inet:getfd(S),
        {ok, Server} = gen_tcp:fdopen(FD, []),
        R = inet:getopts(Server, [active]),
        gen_tcp:close(C),
        R
    end).

local_names() ->
    out("local_names", fun() ->
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
        [CName, SPeer, LPeer, byte_size(Abstract), binary:first(Abstract)]
    end).

%% controlling_process_self's check, and the names of a closed socket.
closed_names() ->
    out("closed_names", fun() ->
        {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}]),
        ok = gen_tcp:close(L),
        [inet:port(L), inet:sockname(L), inet:peername(L)]
    end).

%% passive(S) is the tcp_passive S has sent, or none.
passive(S) -> receive {tcp_passive, S} -> passive after ?WAIT -> none end.

%% active_n's LS2, and around it: {active, N} given when a socket opens.
%% A port says tcp_passive as the option is set, before it answers the
%% getopts that follow: Rest is what came besides, and nothing comes later.
active_open() ->
    out("active_open", fun() ->
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
        Rest = quiet(10),
        [gen_tcp:close(X) || X <- [L, C, A, C2]],
        [LP, LA, CP, CA, AA, CA2, Rest]
    end).

%% line_delimiter: badarg (raised) at listen, taken by connect and by
%% setopts on a listening socket, which does not pass it on.
line_delimiter() ->
    out("line_delimiter", fun() ->
        R1 = (catch gen_tcp:listen(0, [{line_delimiter, $;}])),
        R2 = (catch gen_tcp:listen(0, [{packet, line}, {line_delimiter, $;}])),
        {ok, L} = gen_tcp:listen(0, [binary, {packet, line}, {active, false}, {ip, {127,0,0,1}}]),
        R3 = inet:setopts(L, [{line_delimiter, $;}]),
        {ok, Port} = inet:port(L),
        {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [binary, {packet, line}, {active, false}, {line_delimiter, $;}]),
        {ok, A} = gen_tcp:accept(L),
        ok = gen_tcp:send(C, "a;b\n"),
        R4 = gen_tcp:recv(A, 0, ?WAIT),
        ok = gen_tcp:send(A, "x;y\n"),
        R5 = gen_tcp:recv(C, 0, ?WAIT),
        [gen_tcp:close(X) || X <- [L, C, A]],
        [R1, R2, R3, R4, R5]
    end).

%% send_timeout_basic_w_autoclose, and what follows the timeout. A port
%% that closes at a send timeout would tell its owner then, before it
%% answers the calls that follow, and inet_drv's setopts delivers what it
%% has to say before it returns: the quiet waits only look for later news.
timeout_close(Backend, Active, ExitOnClose) ->
    out(io_lib:format("timeout_close_~w_~w_~w", [Backend, Active, ExitOnClose]), fun() ->
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
        Quiet = quiet(20),
        Set1 = inet:setopts(C, [{active, true}]),
        Told = strip(quiet(20)),
        Set2 = inet:setopts(C, [{active, true}]),
        After = gen_tcp:send(C, Chunk),
        [gen_tcp:close(X) || X <- [C, A, L]],
        [Sends, Recvs, Names, Quiet, Set1, Told, Set2, After]
    end).

%% delay_send_error: a send queued after shutdown(write) fails in the
%% background; then the next sends and recvs. The shutdown comes once the
%% first packets are written (the queue empty: else it would wait for
%% them), the messages once the queued send has failed (the queue dropped,
%% or the port gone, as it tells its owner).
delay_send_error(Active, Show) ->
    out(io_lib:format("delay_send_error_~w_~w", [Active, Show]), fun() ->
        {C, S} = pair([{packet, 1}], [{packet, 1}, {active, Active}, {delay_send, true}, {show_econnreset, Show}]),
        [ok = gen_tcp:send(C, "hello") || _ <- [1, 2, 3]],
        queue_empty(C),
        ok = gen_tcp:shutdown(C, write),
        First = gen_tcp:send(C, "hello"),
        queue_empty(C),
        Msgs = strip(quiet(20)),
        Sends = [gen_tcp:send(C, "hello"), gen_tcp:send(C, "hello")],
        Recvs = [gen_tcp:recv(C, 0, 100) || Active =:= false] ++ [gen_tcp:recv(C, 0, 100) || Active =:= false],
        gen_tcp:close(C), gen_tcp:close(S),
        [First, Msgs, Sends, Recvs]
    end).

%% otp_17492, and the other states of inet:info: a listener, then one
%% that a process accepts on, a connection, busy with a send that will
%% time out (and close it), and after that send has returned.
info_states() ->
    out("info_states", fun() ->
        States = fun(S) -> maps:get(states, inet:info(S)) end,
        Has = fun(S, State) -> St = States(S), lists:member(State, St) andalso St end,
        {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
        Listen = States(L),
        Self = self(),
        spawn(fun() -> {ok, S} = gen_tcp:accept(L, ?WAIT),
                       ok = gen_tcp:controlling_process(S, Self),
                       Self ! {accepted, {ok, S}} end),
        Accepting = await(timeout_waiting_for_accepting, fun() -> Has(L, accepting) end),
        {ok, Port} = inet:port(L),
        {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [{active, false}, {sndbuf, 4096},
                                                       {send_timeout, 300}, {send_timeout_close, true}]),
        {ok, A} = receive {accepted, R} -> R after ?WAIT -> throw(timeout_waiting_for_accept) end,
        Connected = States(C),
        {Sender, Ref} = spawn_monitor(fun() -> F = fun G() -> case gen_tcp:send(C, binary:copy(<<0>>, 65536)) of ok -> G(); _ -> ok end end, F() end),
        Busy = await(timeout_waiting_for_busy, fun() -> Has(C, busy) end),
        receive {'DOWN', Ref, process, Sender, _} -> ok after ?WAIT -> throw(timeout_waiting_for_send_timeout) end,
        Unconnected = States(C),
        gen_tcp:close(L),
        Closed = inet:info(L),
        [gen_tcp:close(X) || X <- [C, A]],
        [Listen, Accepting, Connected, Busy, Unconnected, Closed]
    end).

%% prim_inet:async_accept: the result as {inet_async, L, Ref, Result}:
%% a connection that comes later, one waiting already (in L's accept
%% queue, tcpi_unacked of a listener), a timeout, and the listening socket
%% closing.
async_accept() ->
    out("async_accept", fun() ->
        {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
        {ok, Port} = inet:port(L),
        Result = fun(Ref) ->
                     receive {inet_async, L, Ref, {ok, S}} when is_port(S) -> gen_tcp:close(S), ok;
                             {inet_async, L, Ref, R} -> R
                     after ?WAIT -> timeout_waiting_for_accept end
                 end,
        {ok, R1} = prim_inet:async_accept(L, -1),
        {ok, C1} = gen_tcp:connect({127,0,0,1}, Port, []),
        Later = Result(R1),
        {ok, C2} = gen_tcp:connect({127,0,0,1}, Port, []),
        await(timeout_waiting_for_backlog, fun() -> maps:get(unacked, tcp_info(L)) >= 1 end),
        {ok, R2} = prim_inet:async_accept(L, -1),
        Waiting = Result(R2),
        {ok, R3} = prim_inet:async_accept(L, 20),
        Timeout = Result(R3),
        {ok, R4} = prim_inet:async_accept(L, -1),
        gen_tcp:close(L),
        Closed = Result(R4),
        gen_tcp:close(C1), gen_tcp:close(C2), flush(),
        [Later, Waiting, Timeout, Closed]
    end).

%% prim_inet:async_recv: data that comes later, data buffered already (in
%% S's kernel when the recv for 3 bytes reads), a timeout, the peer
%% closing.
async_recv() ->
    out("async_recv", fun() ->
        {C, S} = pair([], [{active, false}]),
        Result = fun(Ref) ->
                     receive {inet_async, S, Ref, R} -> R after ?WAIT -> timeout_waiting_for_recv end
                 end,
        {ok, R1} = prim_inet:async_recv(S, 0, -1),
        Again = prim_inet:async_recv(S, 0, -1),
        ok = gen_tcp:send(C, "hello"),
        Later = Result(R1),
        ok = gen_tcp:send(C, "abcdef"),
        received(S, 11),
        {ok, "abc"} = gen_tcp:recv(S, 3, ?WAIT),
        {ok, R2} = prim_inet:async_recv(S, 3, -1),
        Buffered = Result(R2),
        {ok, R3} = prim_inet:async_recv(S, 0, 20),
        Timeout = Result(R3),
        {ok, R4} = prim_inet:async_recv(S, 0, -1),
        gen_tcp:close(C),
        Closed = Result(R4),
        gen_tcp:close(S),
        [Later, Again, Buffered, Timeout, Closed]
    end).

%% killing_acceptor: accepting while the acceptor waits, not once it is
%% killed (the port monitors the acceptor, and its monitor tells it).
killing_acceptor() ->
    out("killing_acceptor", fun() ->
        {ok, L} = gen_tcp:listen(0, [{active, false}, {ip, {127,0,0,1}}]),
        Accepting = fun() -> {ok, St} = prim_inet:getstatus(L), lists:member(accepting, St) end,
        A = spawn(fun() -> gen_tcp:accept(L) end),
        await(timeout_waiting_for_accepting, Accepting),
        St1 = Accepting(),
        exit(A, kill),
        await(timeout_waiting_for_not_accepting, fun() -> not Accepting() end),
        St2 = Accepting(),
        gen_tcp:close(L),
        [St1, St2]
    end).

%% A recv by a process that is not the owner, killed as it waits: the
%% owner's recv is ealready, and the next packet goes to the dead process.
%% The port does not monitor a recv's caller (it does an acceptor), so
%% nothing would tell when it dropped the recv: Before is asked 50 ms
%% after the caller is gone. After is asked once the port has read the
%% packet (its recv_oct).
recv_killed() ->
    out("recv_killed", fun() ->
        {C, S} = pair([], [{active, false}]),
        {B, Ref} = spawn_monitor(fun() -> gen_tcp:recv(S, 0) end),
        await(timeout_waiting_for_recv, fun() -> in_recv(B) end),
        exit(B, kill),
        receive {'DOWN', Ref, process, B, _} -> ok after ?WAIT -> throw(timeout_waiting_for_kill) end,
        receive after 50 -> ok end,
        Before = gen_tcp:recv(S, 0, 100),
        ok = gen_tcp:send(C, "hello"),
        await(timeout_waiting_for_read, fun() -> {ok, [{recv_oct, N}]} = inet:getstat(S, [recv_oct]), N >= 5 end),
        After = gen_tcp:recv(S, 0, 200),
        gen_tcp:close(C), gen_tcp:close(S),
        [Before, After]
    end).

%% in_recv(P) reports whether P waits in gen_tcp:recv's receive, its
%% request made.
in_recv(P) ->
    process_info(P, [current_function, status]) =:=
        [{current_function, {prim_inet, recv0, 3}}, {status, waiting}].
