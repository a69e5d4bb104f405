#!/usr/bin/env escript
%% Oracle for FormatStates (ports_test.go): OTP 25's inet:fmt_status/1,
%% the State column of inet:i(), which inet does not export. It is taken
%% from inet's own compiled code (its abstract code), loaded as a module
%% of its own, and called on each line of the input file, a port's states
%% as atoms separated by spaces (an empty line is none). Prints one line
%% of output per line of input: the column.
%%   fmt_status.escript IN OUT

main([In, Out]) ->
    {ok, {inet, [{abstract_code, {_, Forms}}]}} =
        beam_lib:chunks(code:which(inet), [abstract_code]),
    Funs = [F || {function, _, N, _, _} = F <- Forms,
                 lists:member(N, [fmt_status, fmt_status2, fmt_status3])],
    Mod = [{attribute, 1, module, fmt_status_oracle},
           {attribute, 1, export, [{fmt_status, 1}]} | Funs],
    {ok, M, Bin} = compile:forms(Mod, [nowarn_unused_function]),
    {module, M} = code:load_binary(M, "fmt_status_oracle", Bin),
    {ok, Data} = file:read_file(In),
    Lines = binary:split(Data, <<"\n">>, [global]),
    Cases = case lists:last(Lines) of
                <<>> -> lists:droplast(Lines);
                _ -> Lines
            end,
    Outs = [begin
                States = [binary_to_atom(S) || S <- binary:split(L, <<" ">>, [global, trim_all])],
                [M:fmt_status(States), "\n"]
            end || L <- Cases],
    ok = file:write_file(Out, Outs).
