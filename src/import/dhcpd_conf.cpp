// The translator reads dhcpd.conf with the lease file's lexer, one
// statement at a time, and keeps a frame per open block (global, shared
// network, subnet, pool, group, host). Kea inherits global -> shared
// network -> subnet itself, so those scopes write only their own settings;
// a dhcpd group has no Kea counterpart, so its settings are copied into the
// subnets and hosts declared in it. Hosts are placed last, each in the
// subnet its fixed-address belongs to, as dhcpd matches them. Every option
// value is encoded with blackstart's own option table before it is
// written, so what comes out is a config blackstart accepts.
#include "import/dhcpd_conf.h"

#include <fmt/format.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "common/text.h"
#include "common/types.h"
#include "import/dhcpd_leases.h"
#include "import/dhcpd_lexer.h"
#include "wire/option_defs.h"
#include "wire/option_space.h"

namespace bs::import {
namespace {

using Json = nlohmann::ordered_json;

// dhcpd's defaults where Kea's differ: 12 hours (Kea: 2 hours).
constexpr uint32_t kDhcpdDefaultLeaseTime_s = 43200;

enum class Kind : uint8_t { Global, SharedNetwork, Subnet, Pool, Group, Host };

// What a scope sets; a group hands its settings on to what it holds.
struct Settings {
  Json options = Json::array();
  std::optional<uint32_t> valid_s, max_valid_s, min_valid_s;
  std::optional<bool> authoritative;
  std::optional<std::string> next_server, filename, server_name;
};

struct Frame {
  Kind kind = Kind::Global;
  Settings settings;
  Json* subnet = nullptr;       // the subnet being read (in a subnet or its pools)
  Json* pool_ranges = nullptr;  // a pool block's ranges
  Json* network = nullptr;      // the shared network being read
  Json* host = nullptr;         // the host reservation being read
  Ip4 prefix;
  int prefix_len = -1;
  int depth = 0;
};

struct SubnetPlace {
  Ip4 prefix;
  int prefix_len = 0;
  std::optional<size_t> network;  // index in shared-networks, or top-level subnet4
  size_t index = 0;
};

struct HostDecl {
  uint32_t line = 0;
  std::string name;
  Json reservation = Json::object();
  std::optional<Ip4> address;
};

struct CustomDef {
  std::string name;
  wire::OptionDef def;
};

// The statement as a message shows it: escaped, so a hostile file cannot
// drive the terminal the report is read on.
std::string join_words(const std::vector<Token>& tokens, size_t from) {
  constexpr size_t kShownBytes = 120;
  std::string out;
  for (size_t i = from; i < tokens.size() && out.size() < kShownBytes; ++i) {
    if (!out.empty()) out += ' ';
    out += tokens[i].text;
  }
  return escape_for_terminal(out.substr(0, kShownBytes));
}

bool valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t length = utf8_sequence_length(text, pos);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

// Kea and blackstart do no DNS updates without D2: the same behaviour.
bool means_no_dns_updates(const std::vector<Token>& t) {
  return t.size() == 2 && ((t[0].text == "ddns-update-style" && t[1].text == "none") ||
                           (t[0].text == "ddns-updates" && t[1].text == "off"));
}

std::optional<int> prefix_from_mask(Ip4 mask) {
  int len = 0;
  while (len < 32 && (mask.value & (0x80000000u >> len)) != 0) ++len;
  if (prefix_mask(len) != mask.value) return std::nullopt;
  return len;
}

std::optional<uint32_t> seconds(const std::vector<Token>& tokens) {
  if (tokens.size() != 2 || tokens[1].kind != TokenKind::Word) return std::nullopt;
  uint32_t value = 0;
  for (const char c : tokens[1].text) {
    if (c < '0' || c > '9' || value > 429496728) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return tokens[1].text.empty() ? std::nullopt : std::optional(value);
}

// Kea's csv data for one value: a comma inside a string is escaped.
std::string kea_value(const Token& token) {
  if (token.kind != TokenKind::String) {
    if (token.text == "on") return "true";
    if (token.text == "off") return "false";
    return token.text;
  }
  std::string out;
  for (const char c : token.text) {
    if (c == ',') out += '\\';
    out += c;
  }
  return out;
}

// dhcpd's simple option types as blackstart's; Empty when it is none of them.
wire::OptionType simple_type(const std::vector<Token>& words, size_t at, bool& array) {
  const auto word = [&](size_t i) { return at + i < words.size() ? words[at + i].text : ""; };
  if (word(0) == "array" && word(1) == "of") {
    array = true;
    at += 2;
  }
  const size_t left = words.size() - std::min(words.size(), at);
  if (left == 1) {
    if (word(0) == "ip-address") return wire::OptionType::Ip4;
    if (word(0) == "text") return wire::OptionType::String;
    if (word(0) == "string") return wire::OptionType::Binary;
    if (word(0) == "boolean") return wire::OptionType::Boolean;
    if (word(0) == "domain-name") return wire::OptionType::Fqdn;
  }
  if (left == 3 && word(1) == "integer") {
    const bool is_unsigned = word(0) == "unsigned";
    if (!is_unsigned && word(0) != "signed") return wire::OptionType::Empty;
    if (word(2) == "8") return is_unsigned ? wire::OptionType::U8 : wire::OptionType::I8;
    if (word(2) == "16") return is_unsigned ? wire::OptionType::U16 : wire::OptionType::I16;
    if (word(2) == "32") return is_unsigned ? wire::OptionType::U32 : wire::OptionType::I32;
  }
  return wire::OptionType::Empty;
}

const char* kea_type_name(wire::OptionType type) {
  switch (type) {
    case wire::OptionType::Ip4:
      return "ipv4-address";
    case wire::OptionType::String:
      return "string";
    case wire::OptionType::Binary:
      return "binary";
    case wire::OptionType::Boolean:
      return "boolean";
    case wire::OptionType::Fqdn:
      return "fqdn";
    case wire::OptionType::U8:
      return "uint8";
    case wire::OptionType::U16:
      return "uint16";
    case wire::OptionType::U32:
      return "uint32";
    case wire::OptionType::I8:
      return "int8";
    case wire::OptionType::I16:
      return "int16";
    case wire::OptionType::I32:
      return "int32";
    default:
      return "binary";
  }
}

std::string hex_of(std::span<const uint8_t> bytes) {
  std::string out;
  for (const uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

class Translator {
 public:
  Translator(std::string_view text, const ConfOptions& options) : lexer_(text), options_(options) {}
  Translation run();

 private:
  void body(Frame& frame);
  void declaration(Frame& frame, const Statement& statement);
  void parameter(Frame& frame, const Statement& statement);
  void open_subnet(Frame& frame, const Statement& statement);
  void open_network(Frame& frame, const Statement& statement);
  void open_pool(Frame& frame, const Statement& statement);
  void open_host(Frame& frame, const Statement& statement);
  void open_group(Frame& frame, const Statement& statement);
  void option(Frame& frame, const Statement& statement);
  void option_definition(const Statement& statement);
  void range(Frame& frame, const Statement& statement);
  void host_parameter(Frame& frame, const Statement& statement);
  bool lifetime_or_boot(Frame& frame, const Statement& statement);
  void write_settings(const Settings& settings, Kind kind, Json& object);
  void place_hosts();
  void skip(const Token& at, const std::string& reason, const Statement& statement);
  void untranslated(uint32_t line, std::string message);
  Frame child(const Frame& parent, Kind kind) const;
  const wire::OptionDef* find_def(std::string_view name) const;

  Lexer lexer_;
  const ConfOptions& options_;
  Translation out_;
  Json option_defs_ = Json::array();
  std::deque<CustomDef> custom_defs_;
  Json networks_ = Json::array();
  Json subnets_ = Json::array();
  std::vector<SubnetPlace> places_;
  std::deque<HostDecl> hosts_;
  uint32_t next_subnet_id_ = 1;
};

void Translator::untranslated(uint32_t line, std::string message) {
  if (out_.untranslated.size() < kMaxDiagnosticsKept * 10) {
    out_.untranslated.push_back({line, std::move(message)});
  }
}

void Translator::skip(const Token& at, const std::string& reason, const Statement& statement) {
  untranslated(at.line, reason);
  if (statement.end == StatementEnd::Open) {
    if (auto error = skip_block(lexer_, statement.terminator); !error.empty()) {
      untranslated(statement.terminator.line, error);
    }
  }
}

Frame Translator::child(const Frame& parent, Kind kind) const {
  Frame frame;
  frame.kind = kind;
  frame.depth = parent.depth + 1;
  frame.network = parent.network;
  frame.subnet = parent.subnet;
  frame.prefix = parent.prefix;
  frame.prefix_len = parent.prefix_len;
  if (parent.kind == Kind::Group) frame.settings = parent.settings;
  return frame;
}

Translation Translator::run() {
  Frame global;
  body(global);
  Json dhcp4 = Json::object();
  Json interfaces = Json::array();
  for (const auto& name : options_.interfaces) interfaces.push_back(name);
  if (interfaces.empty()) interfaces.push_back("*");
  dhcp4["interfaces-config"] = {{"interfaces", interfaces}};
  if (!global.settings.valid_s) {
    global.settings.valid_s =
        std::min(kDhcpdDefaultLeaseTime_s, global.settings.max_valid_s.value_or(UINT32_MAX));
  }
  write_settings(global.settings, Kind::Global, dhcp4);
  if (!option_defs_.empty()) dhcp4["option-def"] = option_defs_;
  place_hosts();
  if (!networks_.empty()) dhcp4["shared-networks"] = networks_;
  dhcp4["subnet4"] = subnets_;
  // Every string was checked to be UTF-8; replace is the backstop that keeps
  // dump() from throwing.
  out_.json = Json{{"Dhcp4", dhcp4}}.dump(2, ' ', false, Json::error_handler_t::replace);
  return std::move(out_);
}

void Translator::body(Frame& frame) {
  while (true) {
    Statement statement = read_statement(lexer_, lexer_.next(), /*stop_at_open=*/true);
    const bool closes = statement.end == StatementEnd::Parent;
    if (!statement.ok()) {
      skip(statement.error_at, statement.error, statement);
    } else if (statement.end == StatementEnd::Eof) {
      if (!statement.tokens.empty()) {
        untranslated(statement.tokens.front().line, "statement without ';' at the end of the file");
      }
      if (frame.kind != Kind::Global) {
        untranslated(statement.terminator.line, "block not closed before the end of the file");
      }
      return;
    } else if (!statement.tokens.empty() && closes) {
      untranslated(statement.tokens.front().line, "statement without ';' before '}'");
    } else if (statement.end == StatementEnd::Open) {
      if (statement.tokens.empty()) {
        skip(statement.terminator, "'{' without a declaration", statement);
      } else if (frame.depth >= kMaxBlockDepth) {
        skip(statement.terminator, "blocks nested too deeply", statement);
      } else {
        declaration(frame, statement);
      }
    } else if (!statement.tokens.empty()) {
      parameter(frame, statement);
    }
    if (closes) {
      if (frame.kind != Kind::Global) return;
      untranslated(statement.terminator.line, "'}' without a block to close");
    }
  }
}

void Translator::declaration(Frame& frame, const Statement& statement) {
  const Token& keyword = statement.tokens.front();
  const std::string& word = keyword.text;
  // A subnet cannot hold a subnet, nor a network a network, even through a
  // group: the frames point into the lists they would grow.
  if (word == "subnet" && frame.subnet == nullptr &&
      (frame.kind == Kind::Global || frame.kind == Kind::SharedNetwork ||
       frame.kind == Kind::Group)) {
    open_subnet(frame, statement);
  } else if (word == "shared-network" && frame.network == nullptr &&
             (frame.kind == Kind::Global || frame.kind == Kind::Group)) {
    open_network(frame, statement);
  } else if (word == "pool" && frame.kind == Kind::Subnet) {
    open_pool(frame, statement);
  } else if (word == "host" && frame.kind != Kind::Host && frame.kind != Kind::Pool) {
    open_host(frame, statement);
  } else if (word == "group" && frame.kind != Kind::Host && frame.kind != Kind::Pool) {
    open_group(frame, statement);
  } else {
    skip(keyword, fmt::format("'{}' block not translated", join_words(statement.tokens, 0)),
         statement);
  }
}

void Translator::open_subnet(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const auto prefix = t.size() == 4 ? parse_ip4(t[1].text) : std::nullopt;
  const auto mask = t.size() == 4 && t[2].text == "netmask" ? parse_ip4(t[3].text) : std::nullopt;
  const auto len = mask ? prefix_from_mask(*mask) : std::nullopt;
  if (!prefix || !len || (prefix->value & ~prefix_mask(*len)) != 0) {
    skip(t.front(), "expected 'subnet ADDRESS netmask MASK {' with a contiguous mask", statement);
    return;
  }
  Json subnet = {{"id", next_subnet_id_++},
                 {"subnet", fmt::format("{}/{}", to_string(*prefix), *len)}};
  Json& list = frame.network != nullptr ? (*frame.network)["subnet4"] : subnets_;
  list.push_back(std::move(subnet));
  SubnetPlace place{*prefix, *len, std::nullopt, list.size() - 1};
  if (frame.network != nullptr) place.network = networks_.size() - 1;
  places_.push_back(place);
  Frame inner = child(frame, Kind::Subnet);
  inner.subnet = &list.back();
  inner.prefix = *prefix;
  inner.prefix_len = *len;
  body(inner);
  write_settings(inner.settings, Kind::Subnet, *inner.subnet);
  ++out_.subnets;
}

void Translator::open_network(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  if (t.size() != 2 || !valid_utf8(t[1].text)) {
    skip(t.front(), "expected 'shared-network NAME {' (a UTF-8 name)", statement);
    return;
  }
  networks_.push_back({{"name", t[1].text}, {"subnet4", Json::array()}});
  Frame inner = child(frame, Kind::SharedNetwork);
  inner.network = &networks_.back();
  body(inner);
  write_settings(inner.settings, Kind::SharedNetwork, *inner.network);
  if ((*inner.network)["subnet4"].empty()) {
    untranslated(t.front().line, "shared-network without subnets left out");
    networks_.erase(networks_.end() - 1);
  }
}

void Translator::open_pool(Frame& frame, const Statement& statement) {
  Json ranges = Json::array();
  Frame inner = child(frame, Kind::Pool);
  inner.pool_ranges = &ranges;
  body(inner);
  if (ranges.empty()) {
    untranslated(statement.tokens.front().line, "pool without a range left out");
    return;
  }
  Json& pools = (*frame.subnet)["pools"];
  for (auto& range_text : ranges) {
    Json pool = {{"pool", range_text}};
    write_settings(inner.settings, Kind::Pool, pool);
    pools.push_back(std::move(pool));
  }
}

void Translator::open_host(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  if (t.size() != 2) {
    skip(t.front(), "expected 'host NAME {'", statement);
    return;
  }
  hosts_.push_back(HostDecl{t.front().line, escape_for_terminal(t[1].text.substr(0, 64)),
                            Json::object(), std::nullopt});
  Frame inner = child(frame, Kind::Host);
  inner.host = &hosts_.back().reservation;
  body(inner);
  write_settings(inner.settings, Kind::Host, *inner.host);
}

void Translator::open_group(Frame& frame, const Statement& statement) {
  if (statement.tokens.size() != 1) {
    skip(statement.tokens.front(), "expected 'group {'", statement);
    return;
  }
  Frame inner = child(frame, Kind::Group);
  if (frame.kind != Kind::Group) inner.settings = Settings{};
  body(inner);
}

void Translator::parameter(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const std::string& word = t.front().text;
  if (word == "option" && t.size() >= 3 && t[2].text == "code") {
    if (frame.kind != Kind::Global) {
      untranslated(t.front().line, "option definition outside the global scope not translated");
    } else {
      option_definition(statement);
    }
  } else if (word == "option") {
    option(frame, statement);
  } else if (word == "range") {
    range(frame, statement);
  } else if (frame.kind == Kind::Host) {
    host_parameter(frame, statement);
  } else if (!lifetime_or_boot(frame, statement) && !means_no_dns_updates(t)) {
    untranslated(t.front().line, fmt::format("'{}' not translated", join_words(t, 0)));
  }
}

bool Translator::lifetime_or_boot(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const std::string& word = t.front().text;
  Settings& s = frame.settings;
  const bool is_time =
      word == "default-lease-time" || word == "max-lease-time" || word == "min-lease-time";
  if (is_time) {
    const auto value = seconds(t);
    if (!value || frame.kind == Kind::Pool) {
      untranslated(t.front().line, fmt::format("'{}' not translated{}", join_words(t, 0),
                                               value ? " (Kea pools have no lease times)" : ""));
      return true;
    }
    (word == "default-lease-time" ? s.valid_s
     : word == "max-lease-time"   ? s.max_valid_s
                                  : s.min_valid_s) = value;
    return true;
  }
  if (word == "authoritative" && t.size() == 1) {
    s.authoritative = true;
  } else if (word == "not" && t.size() == 2 && t[1].text == "authoritative") {
    s.authoritative = false;
  } else if (word == "next-server" && t.size() == 2 && parse_ip4(t[1].text)) {
    s.next_server = t[1].text;
  } else if ((word == "filename" || word == "server-name") && t.size() == 2 &&
             t[1].kind == TokenKind::String && valid_utf8(t[1].text)) {
    (word == "filename" ? s.filename : s.server_name) = t[1].text;
  } else {
    return false;
  }
  if (frame.kind == Kind::Pool) {
    untranslated(t.front().line, fmt::format("'{}' in a pool not translated", join_words(t, 0)));
  }
  return true;
}

const wire::OptionDef* Translator::find_def(std::string_view name) const {
  for (const auto& custom : custom_defs_) {
    if (custom.name == name) return &custom.def;
  }
  return wire::find_option_def(name);
}

void Translator::option(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const uint32_t line = t.front().line;
  if (t.size() < 3 || t[1].kind != TokenKind::Word) {
    untranslated(line, "expected 'option NAME VALUE;'");
    return;
  }
  const std::string name = escape_for_terminal(t[1].text.substr(0, 64));
  // In a host it names the client (Kea's "client-id"), not an option to send.
  if (t[1].text == "dhcp-client-identifier" && frame.kind == Kind::Host) {
    host_parameter(frame, statement);
    return;
  }
  const wire::OptionDef* def = find_def(t[1].text);
  if (def == nullptr) {
    untranslated(line, fmt::format("option '{}' not translated (no such option in Kea's dhcp4 "
                                   "space; define it with 'option {} code N = TYPE;')",
                                   name, name));
    return;
  }
  std::string data;
  for (size_t i = 2; i < t.size(); ++i) {
    const bool want_comma = (i - 2) % 2 == 1;
    if (want_comma != (t[i].kind == TokenKind::Comma) ||
        (!want_comma && t[i].kind != TokenKind::Word && t[i].kind != TokenKind::String)) {
      untranslated(line, fmt::format("option '{}': values must be separated by commas", name));
      return;
    }
    data += want_comma ? ", " : kea_value(t[i]);
  }
  if (def->type == wire::OptionType::Binary && t.size() == 3 && t[2].kind == TokenKind::String) {
    data = hex_of({reinterpret_cast<const uint8_t*>(t[2].text.data()), t[2].text.size()});
  }
  if (!valid_utf8(data)) {
    untranslated(line, fmt::format("option '{}' not translated: the value is not UTF-8 text "
                                   "(write it as hex)",
                                   name));
    return;
  }
  if (auto encoded = wire::encode_option_text(*def, data); !encoded) {
    untranslated(line, fmt::format("option '{}' not translated: {}", name, encoded.error()));
    return;
  }
  Json& options = frame.settings.options;
  for (auto it = options.begin(); it != options.end(); ++it) {
    if ((*it)["name"] == name) {
      options.erase(it);
      break;
    }
  }
  options.push_back({{"name", name}, {"data", data}});
}

void Translator::option_definition(const Statement& statement) {
  const auto& t = statement.tokens;
  const uint32_t line = t.front().line;
  // option NAME code N = TYPE...
  bool array = false;
  const wire::OptionType type = t.size() >= 6 && t[4].kind == TokenKind::Equals
                                    ? simple_type(t, 5, array)
                                    : wire::OptionType::Empty;
  uint32_t code = 0;
  const auto code_value = t.size() >= 4 ? seconds({t[2], t[3]}) : std::nullopt;
  if (code_value) code = *code_value;
  const std::string& name = t[1].text;
  if (type == wire::OptionType::Empty || !code_value || code < 1 || code > 254 ||
      !wire::is_valid_option_name(name)) {
    untranslated(line, fmt::format("option definition '{}' not translated (only dhcp4 options "
                                   "with a simple type or an array of one)",
                                   join_words(t, 0)));
    return;
  }
  const wire::OptionDef* builtin = wire::find_option_def(static_cast<uint8_t>(code));
  if (builtin != nullptr && wire::is_kea_standard(builtin->code)) {
    untranslated(line, fmt::format("option definition '{}' not translated: code {} is Kea's "
                                   "standard option '{}'",
                                   name, code, builtin->name));
    return;
  }
  if (find_def(name) != nullptr || wire::find_option_def(name) != nullptr) {
    untranslated(line,
                 fmt::format("option definition '{}' not translated: the name is taken", name));
    return;
  }
  for (const auto& custom : custom_defs_) {
    if (custom.def.code == code) {
      untranslated(line, fmt::format("option definition '{}' not translated: code {} is "
                                     "already defined as '{}'",
                                     name, code, custom.name));
      return;
    }
  }
  custom_defs_.push_back(CustomDef{name, {}});
  CustomDef& custom = custom_defs_.back();
  custom.def = wire::OptionDef{custom.name, static_cast<uint8_t>(code), type, array};
  Json def = {{"name", name}, {"code", code}, {"type", kea_type_name(type)}, {"space", "dhcp4"}};
  if (array) def["array"] = true;
  option_defs_.push_back(std::move(def));
}

void Translator::range(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const uint32_t line = t.front().line;
  size_t at = 1;
  if (t.size() > at && t[at].text == "dynamic-bootp") {
    untranslated(line, "range: 'dynamic-bootp' not translated (the range is, for DHCP clients)");
    ++at;
  }
  const auto first = t.size() > at ? parse_ip4(t[at].text) : std::nullopt;
  const auto last = t.size() == at + 2 ? parse_ip4(t[at + 1].text) : first;
  if (frame.subnet == nullptr || !first || !last || t.size() > at + 2 || *last < *first) {
    untranslated(line, fmt::format("'{}' not translated", join_words(t, 0)));
    return;
  }
  const uint32_t mask = prefix_mask(frame.prefix_len);
  if ((first->value & mask) != frame.prefix.value || (last->value & mask) != frame.prefix.value) {
    untranslated(line, fmt::format("'{}' not translated: outside its subnet", join_words(t, 0)));
    return;
  }
  std::string text = fmt::format("{} - {}", to_string(*first), to_string(*last));
  if (frame.pool_ranges != nullptr) {
    frame.pool_ranges->push_back(std::move(text));
  } else {
    (*frame.subnet)["pools"].push_back({{"pool", std::move(text)}});
  }
}

void Translator::host_parameter(Frame& frame, const Statement& statement) {
  const auto& t = statement.tokens;
  const uint32_t line = t.front().line;
  HostDecl& host = hosts_.back();
  Json& r = *frame.host;
  if (t.front().text == "hardware" && t.size() == 3 && t[1].text == "ethernet") {
    if (auto bytes = parse_colon_hex(t[2].text, 16); bytes && bytes->size() == 6) {
      r["hw-address"] = to_hex_colon(*bytes);
      return;
    }
  } else if (t.front().text == "fixed-address" && t.size() == 2) {
    if (auto address = parse_ip4(t[1].text)) {
      host.address = *address;
      r["ip-address"] = to_string(*address);
      return;
    }
    untranslated(line, "fixed-address: only a literal IPv4 address is translated (not a name)");
    return;
  } else if (t.front().text == "option" && t.size() == 3) {  // dhcp-client-identifier
    Bytes id;
    if (t[2].kind == TokenKind::String) {
      id.assign(t[2].text.begin(), t[2].text.end());
    } else if (auto hex = parse_colon_hex(t[2].text, kMaxUidBytes)) {
      id = std::move(*hex);
    }
    if (!id.empty()) {
      r["client-id"] = to_hex_colon(id);
      return;
    }
  } else if (const std::string& word = t.front().text;
             word == "next-server" || word == "filename" || word == "server-name") {
    if (lifetime_or_boot(frame, statement)) return;
  }
  untranslated(line, fmt::format("'{}' in a host not translated", join_words(t, 0)));
}

void Translator::write_settings(const Settings& s, Kind kind, Json& object) {
  if (kind != Kind::Pool && kind != Kind::Host) {
    if (s.valid_s) object["valid-lifetime"] = *s.valid_s;
    if (s.min_valid_s) object["min-valid-lifetime"] = *s.min_valid_s;
    if (s.max_valid_s) object["max-valid-lifetime"] = *s.max_valid_s;
    if (s.authoritative) object["authoritative"] = *s.authoritative;
  }
  if (kind != Kind::Pool) {
    if (s.next_server) object["next-server"] = *s.next_server;
    if (s.server_name) object["server-hostname"] = *s.server_name;
    if (s.filename) object["boot-file-name"] = *s.filename;
  }
  if (!s.options.empty()) object["option-data"] = s.options;
}

void Translator::place_hosts() {
  for (HostDecl& host : hosts_) {
    Json& r = host.reservation;
    if (!r.contains("hw-address") && !r.contains("client-id")) {
      untranslated(host.line, fmt::format("host '{}' not translated: no hardware ethernet or "
                                          "dhcp-client-identifier",
                                          host.name));
      continue;
    }
    if (!host.address) {
      untranslated(host.line, fmt::format("host '{}' not translated: no fixed-address (dhcpd "
                                          "uses it only to know the client)",
                                          host.name));
      continue;
    }
    const SubnetPlace* place = nullptr;
    for (const auto& candidate : places_) {
      if ((host.address->value & prefix_mask(candidate.prefix_len)) == candidate.prefix.value) {
        place = &candidate;
        break;
      }
    }
    if (place == nullptr) {
      untranslated(host.line, fmt::format("host '{}' not translated: {} is in no subnet", host.name,
                                          to_string(*host.address)));
      continue;
    }
    Json& subnet = place->network ? networks_[*place->network]["subnet4"][place->index]
                                  : subnets_[place->index];
    // Kea requires a reservation's identifier first; hostname from the declaration.
    Json ordered = Json::object();
    for (const char* key : {"hw-address", "client-id", "ip-address"}) {
      if (r.contains(key)) ordered[key] = r[key];
    }
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (!ordered.contains(it.key())) ordered[it.key()] = it.value();
    }
    subnet["reservations"].push_back(std::move(ordered));
    ++out_.reservations;
  }
}

}  // namespace

Translation translate_dhcpd_conf(std::string_view text, const ConfOptions& options) {
  return Translator(text, options).run();
}

}  // namespace bs::import
