# The outage drill's modules (drill/drill is the program; docs/DRILL.md).
