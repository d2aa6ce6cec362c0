// AddressSync: keeps the local_addrs map of every attached interface equal
// to this network namespace's addresses, driven by rtnetlink (libmnl).
//
// What goes in each interface's map (RFC-NOTES §3.2, weak-host model):
//   every IPv4 address (unicast) and its subnet's directed broadcast
//   (broadcast kind); every IPv6 address that is not tentative or
//   DAD-failed (unicast), and its prefix's subnet-router anycast address
//   (anycast kind); link-local IPv6 addresses only in the map of their own
//   interface. Loopback addresses never (they are martians on the wire).
//
// It also keeps each interface's MAC in the iface map current (link events).
//
// Any address or link event triggers a fresh dump and a diff against each map:
// entries are added before stale ones are removed, so a valid address is
// never missing in between. Owned by the daemon; single-threaded.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <vector>

#include "core/address_writer.hpp"
#include "core/datapath.hpp"
#include "core/error.hpp"

struct mnl_socket;

namespace icmpguard {

// One desired entry of a local_addrs map.
struct AddressEntry {
    IpAddress addr;
    uint8_t kind = 0;  // ig_addr_kind
};

// One address as rtnetlink reports it (RTM_NEWADDR).
struct KernelAddress {
    int ifindex = 0;
    uint8_t family = 0;  // AF_INET / AF_INET6
    uint8_t prefixlen = 0;
    uint32_t flags = 0;  // IFA_F_*
    bool has_addr = false, has_local = false, has_broadcast = false;
    std::array<uint8_t, 16> addr{}, local{}, broadcast{};
};

// The rules above as a pure function: what the map of `ifindex` should hold
// given every address of the namespace. Sorted by (family, address).
std::vector<AddressEntry> desired_entries(const std::vector<KernelAddress>& kernel, int ifindex);

class AddressSync {
public:
    static Expected<std::unique_ptr<AddressSync>> open();
    ~AddressSync();

    // File descriptor to poll for address events.
    int fd() const;

    // Keep this interface's local_addrs (and its addr_slots view) in line.
    void add_target(int ifindex, const MapFds& maps);
    void remove_target(int ifindex);

    // Dump the namespace's addresses and bring every target's map in line.
    Expected<void> resync();
    // Drain pending events; resync if any address changed (or events were lost).
    Expected<void> on_readable();

    // The entries the map of interface `ifindex` should hold (for tests and `status`).
    Expected<std::vector<AddressEntry>> desired(int ifindex);

private:
    explicit AddressSync(mnl_socket* events) : events_(events) {}
    mnl_socket* events_;
    std::map<int, MapFds> targets_;  // ifindex -> its program's maps
};

}  // namespace icmpguard
