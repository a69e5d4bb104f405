#!/usr/bin/env escript
%% The oracle of framing's differential test (erlang_test.go): runs
%% erlang:decode_packet/3 on a batch of inputs, one process for all of them.
%%
%% escript decode_packet.escript In Out
%%
%% In holds records <<Type:8, Flags:8, PacketSize:64/signed,
%% LineLength:64/signed, Delimiter:64/signed, Len:32, Data:Len/binary>>;
%% Type indexes types/0, Flags bits 1, 2 and 4 say whether packet_size,
%% line_length and line_delimiter are given. Out gets one line per record:
%%
%%   ok Packet RestLength | more | more Length | error Reason | badarg
%%
%% with Packet written by enc/1: a:Atom, i:Integer, b:HEX (binary),
%% s:HEX (string), {E1,E2,...} (tuple).
-mode(compile).

main([In, Out]) ->
    {ok, Bin} = file:read_file(In),
    ok = file:write_file(Out, run(Bin, [])).

types() ->
    {raw, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, line,
     http, httph, http_bin, httph_bin, ssl_tls}.

run(<<>>, Acc) ->
    lists:reverse(Acc);
run(<<T:8, F:8, PS:64/signed, LL:64/signed, LD:64/signed,
      Len:32, Data:Len/binary, Rest/binary>>, Acc) ->
    Opts = opt(F band 1, packet_size, PS)
        ++ opt(F band 2, line_length, LL)
        ++ opt(F band 4, line_delimiter, LD),
    R = try erlang:decode_packet(element(T + 1, types()), Data, Opts) of
            V -> result(V)
        catch
            error:badarg -> "badarg"
        end,
    run(Rest, [[R, $\n] | Acc]).

opt(0, _, _) -> [];
opt(_, Name, V) -> [{Name, V}].

result({ok, P, Rest}) -> ["ok ", enc(P), " ", integer_to_list(byte_size(Rest))];
result({more, undefined}) -> "more";
result({more, N}) -> ["more ", integer_to_list(N)];
result({error, R}) -> ["error ", atom_to_list(R)].

enc(A) when is_atom(A) -> ["a:", atom_to_list(A)];
enc(I) when is_integer(I) -> ["i:", integer_to_list(I)];
enc(B) when is_binary(B) -> ["b:", binary:encode_hex(B)];
enc(L) when is_list(L) -> ["s:", binary:encode_hex(list_to_binary(L))];
enc(T) when is_tuple(T) ->
    ["{", lists:join(",", [enc(E) || E <- tuple_to_list(T)]), "}"].
