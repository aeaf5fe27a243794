"""The peer benchmark's parts (bench/peer_bench.py is the entry point).

env: packages, the namespaces and processes of one run, machine facts.
servers: how each DHCP server is configured and started.
probes: what is read from /proc about a process or a namespace.
generators: perfdhcp and bs-load, how each is run and its output read.
step: one rate step, the same for every server and generator.
report: the Markdown tables and the plots.
"""
