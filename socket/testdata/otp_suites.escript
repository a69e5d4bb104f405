#!/usr/bin/env escript
%% Oracle for otpnet's ports of gen_tcp_echo_SUITE and of gen_tcp_misc_SUITE's
%% monitor, system limit and pktoptions cases (echo_suite_test.go,
%% monitor_test.go, system_limit_test.go, pktoptions_test.go): what OTP 25
%% does where those tests assert it of otpnet. Prints one line per
%% scenario: Name Result, Result as ~w.
%%   otp_suites.escript           every scenario but accept_emfile
%%   otp_suites.escript emfile    accept_emfile: run it with a low ulimit -n
main(["emfile"]) ->
    accept_emfile();
main([]) ->
    ok.

out(Name, Term) -> io:format("~s ~w~n", [Name, Term]).

%% Out of fds, accept says emfile, again and again; with an fd freed it
%% accepts the connection that waited.
accept_emfile() ->
    _ = io_lib:format("~w", [loaded]), % no fd will be left to load it with
    {ok, L} = gen_tcp:listen(0, [{ip, {127,0,0,1}}, {active, false}, {backlog, 128}]),
    {ok, Port} = inet:port(L),
    Fill = fun Fill(Socks) ->
                   {ok, C} = gen_tcp:connect({127,0,0,1}, Port, [{active, false}]),
                   case gen_tcp:accept(L, 5000) of
                       {ok, A} -> Fill([A, C | Socks]);
                       Error -> {Error, Socks}
                   end
           end,
    {First, [A | _]} = Fill([]),
    Again = gen_tcp:accept(L, 5000),
    ok = gen_tcp:close(A),
    Freed = case gen_tcp:accept(L, 5000) of
                {ok, _} -> ok;
                Other -> Other
            end,
    out("accept_emfile", [First, Again, Freed]).
