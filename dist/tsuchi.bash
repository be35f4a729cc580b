# bash completion for tsuchi: commands, subcommands, options and option choices.
# Installed as PREFIX/share/bash-completion/completions/tsuchi. It keeps no list of its own: it asks the
# tsuchi being completed (`tsuchi help [CMD [SUB]]`), so it always matches that binary. The man page's
# COMMANDS section is made with _tsuchi_entries too (dist/man-page.sh).

# _tsuchi_entries BIN SECTION [CMD [SUB]]: the entries `tsuchi help CMD SUB` lists under SECTION
# ("Subcommands" or "Options"), one name a line (an option's aliases each on a line), then a tab and what
# an option takes: nothing (a flag), "*" (any value) or its choices, e.g. "user city contractor".
_tsuchi_entries() {
  local bin=$1 section=$2
  shift 2
  "$bin" help "$@" 2>/dev/null | awk -v want="$section:" '
    /^[^ ]/ {                                 # a section heading: "Options:", or an option group ("Output:")
      here = ($0 == want) || (want == "Options:" && $0 ~ /^[A-Z][a-z]*:$/ && $0 != "Subcommands:" && $0 != "Positionals:")
      next
    }
    here && /^  [^ ]/ {                       # an entry; its description follows 2+ spaces or wraps below
      entry = substr($0, 3)
      sub(/  .*/, "", entry)                  # "-o,--out TEXT:{a,b} REQUIRED"
      split(entry, f, " ")
      takes = (f[2] ~ /^[A-Z]+([:=]|$)/ && f[2] != "REQUIRED") ? "*" : ""   # a type (TEXT, INT:…), not "Excludes:"
      if (match(f[2], /:\{[^}]*\}/)) { takes = substr(f[2], RSTART + 2, RLENGTH - 3); gsub(",", " ", takes) }
      n = split(f[1], names, ",")
      for (i = 1; i <= n; i++) print names[i] "\t" takes
    }'
}

_tsuchi() {
  local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=""
  [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}  # the word as typed: bash has not expanded it yet
  ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  # The command path typed so far: the first word that is a command, then one of its subcommands.
  local path=() i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    [[ $word == -* ]] && continue
    if ((${#path[@]} == 0)) || [[ ${path[0]} != help && ${#path[@]} -lt 2 ]]; then
      _tsuchi_entries "$bin" Subcommands "${path[@]}" | cut -f1 | grep -qxF -- "$word" && path+=("$word")
    elif [[ ${path[0]} == help && ${#path[@]} -lt 3 ]]; then  # `tsuchi help CMD SUB` names commands
      _tsuchi_entries "$bin" Subcommands "${path[@]:1}" | cut -f1 | grep -qxF -- "$word" && path+=("$word")
    fi
  done
  local words takes
  if [[ $prev == -* ]]; then  # an option's value: its choices, else file names (complete -o default)
    takes=$(_tsuchi_entries "$bin" Options "${path[@]}" | awk -F '\t' -v o="$prev" '$1 == o { print $2 }')
    if [[ $takes == "*" ]]; then
      return 0
    elif [[ -n $takes ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$takes" -- "$cur")
      return 0
    fi
  fi
  if [[ $cur == -* ]]; then
    words=$(_tsuchi_entries "$bin" Options "${path[@]}" | cut -f1)
  elif [[ ${path[0]-} == help ]]; then
    words=$(_tsuchi_entries "$bin" Subcommands "${path[@]:1}" | cut -f1)
  else
    words=$(_tsuchi_entries "$bin" Subcommands "${path[@]}" | cut -f1)
  fi
  [[ -n $words ]] && mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  return 0
}
complete -o default -F _tsuchi tsuchi
