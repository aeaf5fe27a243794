// The list of every config key, for `blackstart --list-config-keys` and the
// blackstart.json(5) man page generated from it (packaging/man/keys2man.sh).
// Its own header so that the daemon's entry point alone depends on it.
#pragma once

#include <string>

namespace bs::config {

// Every key the loader accepts or recognises, one "SECTION\tKEY\tORIGIN"
// line each, ORIGIN being "kea" (Kea's key, accepted), "blackstart" (a
// blackstart extension) or "kea-unsupported" (Kea's, refused as not
// supported yet). Built from the BS_CONFIG_KEYS registry (reader.h) and
// the unsupported-key table (kea_keys.cpp).
std::string config_key_listing();

}  // namespace bs::config
