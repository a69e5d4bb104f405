#!/usr/bin/env escript
%% The oracle of framing's socket-level differential test (erlang_test.go):
%% for each input, a gen_tcp socket with the given packet type, buffer and
%% packet_size receives the bytes from a peer that then closes, and every
%% gen_tcp:recv/2 result is written down, up to the first error.
%%
%% escript stream.escript In Out
%%
%% In holds records <<Type:8, Flags:8, PacketSize:64/signed,
%% Delimiter:64/signed, Buffer:32, Len:32, Data:Len/binary>>; Type indexes
%% types/0 as in decode_packet.escript, Flags bits 1 and 4 say whether
%% packet_size and line_delimiter are given.
%% Out gets one line per record: the results separated by " | ", each
%% "ok Packet" (Packet written as decode_packet.escript writes it) or
%% "error Reason".
-mode(compile).

main([In, Out]) ->
    {ok, Bin} = file:read_file(In),
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, loopback}]),
    {ok, Port} = inet:port(L),
    ok = file:write_file(Out, run(Bin, L, Port, [])).

types() ->
    {raw, 1, 2, 4, asn1, sunrm, cdr, fcgi, tpkt, line,
     http, httph, http_bin, httph_bin, ssl_tls}.

run(<<>>, _, _, Acc) ->
    lists:reverse(Acc);
run(<<T:8, F:8, PS:64/signed, LD:64/signed, Buf:32,
      Len:32, Data:Len/binary, Rest/binary>>, L, Port, Acc) ->
    {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {packet, raw}]),
    {ok, S} = gen_tcp:accept(L),
    Opts = [{packet, element(T + 1, types())}, {buffer, Buf}]
        ++ opt(F band 1, packet_size, PS) ++ opt(F band 4, line_delimiter, LD),
    ok = inet:setopts(S, Opts),
    ok = gen_tcp:send(C, Data),
    ok = gen_tcp:close(C),
    R = lists:join(" | ", recv_all(S)),
    ok = gen_tcp:close(S),
    run(Rest, L, Port, [[R, $\n] | Acc]).

opt(0, _, _) -> [];
opt(_, Name, V) -> [{Name, V}].

recv_all(S) ->
    case gen_tcp:recv(S, 0, 5000) of
        {ok, P} -> [["ok ", enc(P)] | recv_all(S)];
        {error, R} -> [["error ", atom_to_list(R)]]
    end.

%% A socket's {ssl_tls, S, ...} holds the socket where decode_packet's
%% holds []: write both alike.
enc(P) when is_port(P) -> enc([]);
enc(A) when is_atom(A) -> ["a:", atom_to_list(A)];
enc(I) when is_integer(I) -> ["i:", integer_to_list(I)];
enc(B) when is_binary(B) -> ["b:", binary:encode_hex(B)];
enc(L) when is_list(L) -> ["s:", binary:encode_hex(list_to_binary(L))];
enc(T) when is_tuple(T) ->
    ["{", lists:join(",", [enc(E) || E <- tuple_to_list(T)]), "}"].
