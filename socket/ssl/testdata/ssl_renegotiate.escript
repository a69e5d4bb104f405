#!/usr/bin/env escript
%% Interop peer for otpnet's ssl tests, on OTP's ssl: a TLS 1.2 client
%% that asks to renegotiate, which OTP 25 allows a client by default.
%%   ssl_renegotiate.escript Port : connect, renegotiate, print the result
main([PortS]) ->
    %% OTP logs the alert it gets as a notice, on standard output, where
    %% the test reads this script's lines: only errors are logged.
    ok = logger:set_primary_config(level, error),
    {ok, _} = application:ensure_all_started(ssl),
    {ok, S} = ssl:connect("localhost", list_to_integer(PortS),
                          [binary, {active, false}, {verify, verify_none},
                           {versions, ['tlsv1.2']}], 10000),
    io:format("connected~n"),
    io:format("~p~n", [ssl:renegotiate(S)]),
    ssl:close(S).
