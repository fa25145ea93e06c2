# Shared by bench/trace/run.sh and ab.sh (sourced): reading a process's CPU time and a run's fields.

# CPU time (user + system) of a process in nanoseconds.
cpu_ns() {
    local stat
    stat=$(< "/proc/$1/stat")
    stat=${stat##*) }
    read -r -a f <<< "$stat"
    echo $(((f[11] + f[12]) * 1000000000 / $(getconf CLK_TCK)))
}

# field NAME TEXT: the number after NAME= in TEXT.
field() { sed -nE "s/.*\b$1=([0-9.]+).*/\1/p" <<< "$2"; }
