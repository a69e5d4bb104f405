#!/usr/bin/env escript
%% The oracle of package inet's tests: runs OTP's own inet functions
%% on the inputs a Go test wrote and prints what they return, one line per
%% input line, for the test to compare with the Go functions.
%%
%%   escript inet.escript format_error IN OUT   IN: one atom a line
%%   escript inet.escript parse IN OUT          IN: "p HEX" (a string) or
%%                                              "n I1 .. I4|I8" (a tuple)
%%   escript inet.escript resolve IN OUT        IN: "FAMILY HEX"
%%   escript inet.escript getifaddrs OUT
%%   escript inet.escript gethostname OUT
-mode(compile).

main(["format_error", In, Out]) ->
    each(In, Out, fun(A) -> inet:format_error(binary_to_atom(A)) end);
main(["parse", In, Out]) ->
    each(In, Out, fun parse/1);
main(["resolve", In, Out]) ->
    %% Resolve as OTP does with its string method first, then the hosts
    %% file (and then this host's own name), without native or DNS look-ups.
    ok = inet_db:set_lookup([file]),
    each(In, Out, fun resolve/1);
main(["getifaddrs", Out]) ->
    {ok, Ifs} = inet:getifaddrs(),
    %% The name in hex, then the options as ~w writes them.
    write(Out, [[hex(unicode:characters_to_binary(Name, unicode, latin1)), " ",
                 io_lib:format("~w", [Opts])] || {Name, Opts} <- Ifs]);
main(["gethostname", Out]) ->
    {ok, Name} = inet:gethostname(),
    write(Out, [Name]);
main(Args) ->
    io:format(standard_error, "bad arguments: ~p~n", [Args]),
    halt(2).

each(In, Out, F) ->
    {ok, Bin} = file:read_file(In),
    Lines = [L || L <- binary:split(Bin, <<"\n">>, [global]), L =/= <<>>],
    write(Out, [F(L) || L <- Lines]).

write(Out, Lines) ->
    ok = file:write_file(Out, [[L, "\n"] || L <- Lines]).

parse(<<"p ", Hex/binary>>) ->
    S = binary_to_list(binary:decode_hex(Hex)),
    Rs = [inet:F(S) || F <- [parse_address, parse_strict_address,
                             parse_ipv4_address, parse_ipv4strict_address,
                             parse_ipv6_address, parse_ipv6strict_address]],
    lists:join(" ", [result(R) || R <- Rs] ++
                   [ntoa(lists:nth(1, Rs)), ntoa(lists:nth(5, Rs))]);
parse(<<"n ", Ints/binary>>) ->
    T = list_to_tuple([binary_to_integer(I) || I <- binary:split(Ints, <<" ">>, [global])]),
    case inet:ntoa(T) of
        {error, einval} -> "e";
        S -> S
    end.

result({ok, T}) -> io_lib:format("~w", [T]);
result({error, einval}) -> "e".

ntoa({ok, T}) -> inet:ntoa(T);
ntoa({error, _}) -> "-".

resolve(Line) ->
    [F, Hex] = binary:split(Line, <<" ">>),
    Family = binary_to_atom(F),
    Host = binary_to_list(binary:decode_hex(Hex)),
    io_lib:format("~w ~w", [inet:getaddrs(Host, Family),
                            inet:gethostbyname(Host, Family)]).

hex(Bin) -> binary:encode_hex(Bin).
