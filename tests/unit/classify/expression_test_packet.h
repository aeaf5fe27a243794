// The query the expression tests evaluate against: a relayed DISCOVER from
// a phone with the options every expression form looks at.
#pragma once

#include <string_view>

#include "wire/packet.h"

namespace bs::classify::test {

inline Bytes bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

inline wire::Packet make_query() {
  wire::Packet p;
  p.htype = 1;
  p.hlen = 6;
  p.xid = 0x12345678;
  p.giaddr = Ip4{0xC6120001};  // 198.18.0.1
  p.siaddr = Ip4{0xC6120002};  // 198.18.0.2
  p.chaddr = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  p.set(53, Bytes{1});
  p.set(60, bytes_of("Aastra6731i"));
  p.set(93, Bytes{0x00, 0x07});
  p.set(12, bytes_of("Host-Name"));
  p.set(43, Bytes{1, 3, 'a', 'b', 'c'});
  p.set(222, Bytes{0x41, 0x01});
  // option 82: circuit-id "port1", remote-id "remote"
  p.set(82, Bytes{1, 5, 'p', 'o', 'r', 't', '1', 2, 6, 'r', 'e', 'm', 'o', 't', 'e'});
  // option 125: enterprise 4491, sub-options 1 "docsis3.0" and 2 "x"
  p.set(125,
        Bytes{0, 0, 0x11, 0x8b, 14, 1, 9, 'd', 'o', 'c', 's', 'i', 's', '3', '.', '0', 2, 1, 'x'});
  // option 124: enterprise 4491 "docsis3.0", enterprise 4491 "abc"
  p.set(124, Bytes{0,   0,   0x11, 0x8b, 9, 'd',  'o',  'c', 's', 'i', 's',
                   '3', '.', '0',  0,    0, 0x11, 0x8b, 3,   'a', 'b', 'c'});
  return p;
}

}  // namespace bs::classify::test
