# The report's timeline: devices working over time after power back, one
# panel per scenario, a line per server and device class (matplotlib from
# Debian, drawn off-screen). Optional: without matplotlib the report has no
# plot and says so.
import os


def working_time(w):
    if not w.working():
        return None
    return max(x for x in (w.t_addr, w.t_mail, w.t_sip) if x is not None)


def draw(results, out_dir, timeout_s):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    runs = [r for r in results if "watches" in r]
    scenarios = sorted({r["scenario"] for r in runs}, key=lambda s: (s != "cut", s))
    if not scenarios:
        return None
    cols = min(3, len(scenarios))
    rows = (len(scenarios) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 4 * rows), squeeze=False)
    for ax in axes.flat[len(scenarios):]:
        ax.set_visible(False)
    styles = {"blackstart": "-", "kea": "--", "dnsmasq": ":", "dhcpd": "-."}
    colors = {"pc": "tab:blue", "laptop": "tab:orange", "phone": "tab:green", "printer": "tab:purple",
              "counter": "tab:red"}
    for ax, scenario in zip(axes.flat, scenarios):
        for r in (r for r in runs if r["scenario"] == scenario):
            by_class = {}
            for w in r["watches"]:
                by_class.setdefault(w.d.klass, []).append(w)
            for klass, watches in sorted(by_class.items()):
                times = sorted(t for t in map(working_time, watches) if t is not None)
                xs, ys = [0.0], [0.0]
                for i, t in enumerate(times, 1):
                    xs += [t, t]
                    ys += [ys[-1], 100.0 * i / len(watches)]
                xs.append(max(timeout_s, xs[-1]))
                ys.append(ys[-1])
                ax.plot(xs, ys, styles.get(r["server"], ":"), color=colors.get(klass),
                        label=f"{r['server']} {klass}")
        ax.set_title(f"scenario {scenario}")
        ax.set_xlabel("seconds after power back")
        ax.set_ylabel("% of the class working (address, mail, REGISTER)")
        ax.set_xlim(0, max(10.0, _last_time(runs, scenario) + 2))
        ax.set_ylim(0, 105)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path = os.path.join(out_dir, "timeline.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _last_time(runs, scenario):
    times = [working_time(w) for r in runs if r["scenario"] == scenario for w in r["watches"]]
    times = [t for t in times if t is not None]
    return max(times) if times else 0.0
