# zsh -f zsh_complete.zsh FPATH_DIR LINE...: for each LINE, what zsh's completion offers
# when Tab is pressed at its end in an interactive zsh (driven through zsh/zpty, with
# compinit and the scripts of FPATH_DIR), one per line, then a line "<<END>>".
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit && compinit -u -D; PROMPT= RPROMPT="
# Each candidate added goes to the terminal between markers (calls that only filter,
# -O/-A/-D, add nothing); Tab completes, then says it is done.
zpty -w z 'compadd () {
  (( ${@[(I)-[OAD]]} )) && { builtin compadd "$@"; return }
  local -a __hits; builtin compadd -A __hits "$@"
  local h; for h in $__hits; do print -rn -- "<HIT>$h<END>" >/dev/tty; done
  builtin compadd "$@"
}'
zpty -w z 'tab() { zle complete-word; print -rn -- "<TAB""DONE>" >/dev/tty }; zle -N tab; bindkey "^I" tab'
zpty -w z 'print "<BEG""IN>"'
local out hit
zpty -r z out '*<BEGIN>*'
shift
for line in "$@"; do
  zpty -n -w z "$line"$'\t'
  zpty -r z out '*<TABDONE>*'
  zpty -n -w z $'\C-u'   # an empty line for the next one
  local -U hits=()
  while [[ $out == *'<HIT>'*'<END>'* ]]; do
    out=${out#*<HIT>}
    hit=${out%%<END>*}
    [[ -n ${hit// } ]] && hits+=("$hit")   # a message alone is a space
    out=${out#*<END>}
  done
  (( $#hits )) && print -rl -- $hits
  print -r -- '<<END>>'
done
zpty -d z
