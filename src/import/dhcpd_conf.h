// Translation of the common subset of ISC dhcpd.conf into a Kea-format
// Dhcp4 config that blackstart (and Kea) runs: subnets with netmask and
// ranges, pools, shared networks, lease times, authoritative, host
// declarations with hardware ethernet / client identifier and
// fixed-address, standard options and option definitions of simple types,
// next-server/filename/server-name. Everything else is left out and named,
// line by line, so an operator knows exactly what still needs a hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bs::import {

struct ConfOptions {
  // dhcpd takes its interfaces on the command line; empty: "*".
  std::vector<std::string> interfaces;
};

struct Untranslated {
  uint32_t line = 0;
  std::string message;  // why, e.g. "'log-facility' not translated (use Kea's loggers)"
};

struct Translation {
  std::string json;  // {"Dhcp4": {...}}, indented
  std::vector<Untranslated> untranslated;
  size_t subnets = 0;
  size_t reservations = 0;
};

// Never fails: a syntax error is an untranslated line, and the rest of the
// file is still translated.
Translation translate_dhcpd_conf(std::string_view text, const ConfOptions& options = {});

}  // namespace bs::import
