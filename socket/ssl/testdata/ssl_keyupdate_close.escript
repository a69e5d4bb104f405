#!/usr/bin/env escript
%% Interop peer for otpnet's key-update-then-close test, on OTP's ssl:
%%   ssl_keyupdate_close.escript Dir Port
%% connects (TLS 1.3, trusting Dir's ca.pem), sends <<"ping">>, checks the
%% echo, prints "echoed", waits for a line on stdin, then asks for a key
%% update (ssl:update_keys/2, read_write: the peer must answer) and closes
%% at once, and prints "ok".
main([Dir, PortS]) ->
    {ok, _} = application:ensure_all_started(ssl),
    {ok, S} = ssl:connect("localhost", list_to_integer(PortS),
                          [binary, {active, false},
                           {verify, verify_peer},
                           {cacertfile, filename:join(Dir, "ca.pem")},
                           {versions, ['tlsv1.3']}], 10000),
    ok = ssl:send(S, <<"ping">>),
    {ok, <<"ping">>} = ssl:recv(S, 4, 10000),
    io:format("echoed~n"),
    "go\n" = io:get_line(""),
    ok = ssl:update_keys(S, read_write),
    ok = ssl:close(S),
    io:format("ok~n").
