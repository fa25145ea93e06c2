# bench/attach/plot.gp: attach and exit time against the number of probes, from run.sh's
# medians.tsv (columns: probes, probes/bpftrace/perf-ioctl attach ms, then the same for exit).
#   gnuplot -e "medians='results/medians.tsv'; output='results/attach.png'" plot.gp
if (!exists("medians")) medians = 'results/medians.tsv'
if (!exists("output")) output = 'results/attach.png'
set terminal pngcairo size 1100,450 font ",10"
set output output
set datafile separator "\t"
set datafile missing "NaN"
set key top left
set logscale xy
set grid
set xlabel "distinct probes attached (one file)"
set ylabel "milliseconds (median)"
set multiplot layout 1,2
set title "exec to attached"
plot medians using 1:2 skip 1 with linespoints lw 2 title "probes (uprobe\\_multi)", \
     '' using 1:3 skip 1 with linespoints lw 2 title "bpftrace 0.17", \
     '' using 1:4 skip 1 with linespoints dt 2 title "probes, perf uprobes (before)"
set title "SIGTERM to exit"
plot medians using 1:5 skip 1 with linespoints lw 2 title "probes (uprobe\\_multi)", \
     '' using 1:6 skip 1 with linespoints lw 2 title "bpftrace 0.17", \
     '' using 1:7 skip 1 with linespoints dt 2 title "probes, perf uprobes (before)"
unset multiplot
