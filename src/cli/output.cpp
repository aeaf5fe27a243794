// Tables and summaries for blackstart-ctl. Every string from an answer goes
// through escape_for_terminal: hostnames are whatever bytes a client sent, and
// nothing a client chose may move the cursor, retitle the window or cut a
// line short.
#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "common/clock.h"
#include "common/text.h"

namespace bs::cli {
namespace {

using Json = nlohmann::json;

std::string text_of(const Json& value) {
  if (value.is_string()) return escape_for_terminal(value.get_ref<const std::string&>());
  if (value.is_null()) return "-";
  return escape_for_terminal(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string field(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return "-";
  std::string text = text_of(*it);
  return text.empty() ? "-" : text;
}

std::string duration(int64_t seconds) {
  if (seconds < 0) return "-";
  const int64_t days = seconds / 86400, hours = seconds % 86400 / 3600,
                minutes = seconds % 3600 / 60;
  if (days > 0) return fmt::format("{}d {}h {}m", days, hours, minutes);
  if (hours > 0) return fmt::format("{}h {}m", hours, minutes);
  return fmt::format("{}m {}s", minutes, seconds % 60);
}

}  // namespace

std::string format_utc(int64_t unix_s) { return bs::format_utc(unix_s, "%Y-%m-%d %H:%M:%S"); }

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      text += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], widths[i]);
    }
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

std::string format_lease_table(const Json& leases) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& lease : leases) {
    const auto expire = lease.find("expire");
    rows.push_back({field(lease, "ip-address"), field(lease, "hw-address"),
                    field(lease, "client-id"), field(lease, "hostname"), field(lease, "subnet-id"),
                    expire != lease.end() && expire->is_number_integer()
                        ? format_utc(expire->get<int64_t>())
                        : "-",
                    field(lease, "state-name")});
  }
  return format_table(
      {"ADDRESS", "MAC", "CLIENT-ID", "HOSTNAME", "SUBNET", "EXPIRES (UTC)", "STATE"}, rows);
}

std::string format_lease_details(const Json& lease) {
  std::string out;
  for (const char* key : {"ip-address", "hw-address", "client-id", "hostname", "subnet-id",
                          "state-name", "valid-lft", "cltt", "expire"}) {
    std::string value = field(lease, key);
    if ((std::string_view(key) == "cltt" || std::string_view(key) == "expire") && value != "-") {
      value += " (" + format_utc(lease[key].get<int64_t>()) + " UTC)";
    }
    out += fmt::format("{:<11} {}\n", std::string(key) + ":", value);
  }
  return out;
}

std::string format_status(const Json& s) {
  std::string out;
  const Json& packets = s.value("packets", Json::object());
  const Json& store = s.value("lease-store", Json::object());
  const Json& recovery = s.value("recovery-mode", Json::object());
  out += fmt::format("blackstart {}, pid {}, up {}\n", field(s, "version"), field(s, "pid"),
                     duration(s.value("uptime", int64_t{-1})));
  out += fmt::format("config:        {} (reloaded {} ago)\n", field(s, "config-file"),
                     duration(s.value("reload", int64_t{-1})));
  out += fmt::format("recovery mode: {}\n", recovery.value("active", false) ? "ACTIVE" : "off");
  out += fmt::format(
      "lease store:   {} ({}; {} commits, {} failed){}\n",
      store.value("healthy", false) ? "healthy" : "FAILING", field(store, "description"),
      field(store, "commits"), field(store, "commit-failures"),
      field(store, "last-error") == "-" ? "" : ", last error: " + field(store, "last-error"));
  out += fmt::format("packets:       {} received, {} sent, {} dropped\n",
                     field(packets, "received"), field(packets, "sent"), field(packets, "dropped"));
  out +=
      fmt::format("rate:          {:.1f}/s in, {:.1f}/s out, {:.1f}/s dropped\n",
                  packets.value("received-per-second", 0.0), packets.value("sent-per-second", 0.0),
                  packets.value("dropped-per-second", 0.0));
  out += fmt::format(
      "signals:       {} declines, {} NAKs, {} conflicts, {} rogue-server sightings\n",
      field(s, "declines"), field(s, "naks"), field(s, "conflicts"), field(s, "rogue-servers"));
  if (s.contains("ha")) out += format_ha_status(s["ha"]);
  return out;
}

// Two lines: this server and its partner, then what the partner has not
// acknowledged. "heard" is seconds since the partner's last frame.
std::string format_ha_status(const Json& ha) {
  const Json ago = ha.value("last-contact-s-ago", Json());
  const std::string heard = ago.is_number() ? duration(ago.get<int64_t>()) + " ago" : "never";
  const std::string partner_state =
      ha.value("partner-state", Json()).is_string() ? field(ha, "partner-state") : "unknown";
  std::string out = fmt::format("ha:            {} {}, state {}; partner {} in {}, heard {}\n",
                                field(ha, "mode"), field(ha, "role"), field(ha, "state"),
                                field(ha, "partner-role"), partner_state, heard);
  out += fmt::format("ha lag:        {} updates, {} leases not acknowledged by the partner\n",
                     field(ha, "unacked-updates"), field(ha, "unacked-leases"));
  return out;
}

std::string format_statistics(const Json& statistics) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, samples] : statistics.items()) {
    // Kea's shape: [[value, "timestamp"], ...], newest first.
    const bool sampled = samples.is_array() && !samples.empty() && samples[0].is_array();
    rows.push_back(
        {escape_for_terminal(name), sampled ? text_of(samples[0][0]) : text_of(samples)});
  }
  return format_table({"STATISTIC", "VALUE"}, rows);
}

std::string format_json(const Json& answer) {
  const std::string text = answer.dump(2, ' ', false, Json::error_handler_t::replace);
  // dump already writes C0 controls as \u00XX; DEL and the C1 range (UTF-8
  // c2 80..c2 9f) it leaves raw. Outside strings JSON is plain ASCII, so
  // these can only be inside strings, where \u00XX means the same.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<uint8_t>(text[i + 1]) : uint8_t{0};
    if (byte == 0x7f) {
      out += "\\u007f";
    } else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
      out += fmt::format("\\u{:04x}", next);
      ++i;
    } else {
      out += text[i];
    }
  }
  return out + "\n";
}

}  // namespace bs::cli
