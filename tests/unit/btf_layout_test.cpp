// The shared ABI structs as clang -target bpf laid them out (the BTF of the
// built object) against g++'s sizeof/offsetof for the same header (STYLE
// §3.2). A mismatch means the control plane and the program disagree about
// a map's bytes. Also checks each map's type, size and key/value types as
// the object declares them. Reads the .o only: no privileges needed.
#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

#ifndef ICMPGUARD_BPF_OBJECT
#error "ICMPGUARD_BPF_OBJECT must name the built BPF object"
#endif

namespace icmpguard {
namespace {

struct BtfDeleter {
    void operator()(btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

class BtfLayout : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        btf* b = btf__parse_elf(ICMPGUARD_BPF_OBJECT, nullptr);
        if (!b) {
            error_ = std::string(ICMPGUARD_BPF_OBJECT) + ": " + std::strerror(errno);
            return;
        }
        btf_.reset(b);
    }
    static void TearDownTestSuite() { btf_.reset(); }
    void SetUp() override {
        // Not a skip: the object is a build product of this tree, so an
        // unreadable BTF is a build bug.
        ASSERT_TRUE(btf_) << "btf__parse_elf failed: " << error_;
    }

    static BtfPtr btf_;
    static std::string error_;
};
BtfPtr BtfLayout::btf_;
std::string BtfLayout::error_;

struct Member {
    const char* name;
    size_t offset;
    size_t size;
};

#define IG_MEMBER(type, field) Member{#field, offsetof(type, field), sizeof(((type*)nullptr)->field)}

void expect_struct_layout(const btf* b, const char* name, size_t size, const std::vector<Member>& members) {
    SCOPED_TRACE(std::string("struct ") + name);
    int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
    ASSERT_GT(id, 0) << "not in the object's BTF";
    const btf_type* t = btf__type_by_id(b, id);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->size, size) << "BPF size vs C++ sizeof";
    ASSERT_EQ(btf_vlen(t), members.size()) << "member count";
    const btf_member* m = btf_members(t);
    for (size_t i = 0; i < members.size(); ++i, ++m) {
        const char* mname = btf__name_by_offset(b, m->name_off);
        SCOPED_TRACE(std::string("member ") + members[i].name);
        EXPECT_STREQ(mname, members[i].name) << "member order";
        EXPECT_EQ(btf_member_bitfield_size(t, static_cast<uint32_t>(i)), 0u) << "no bitfields in the ABI";
        uint32_t bits = btf_member_bit_offset(t, static_cast<uint32_t>(i));
        EXPECT_EQ(bits % 8, 0u);
        EXPECT_EQ(bits / 8, members[i].offset) << "BPF offset vs C++ offsetof";
        EXPECT_EQ(btf__resolve_size(b, m->type), static_cast<long long>(members[i].size))
            << "BPF member size vs C++ sizeof";
    }
}

TEST_F(BtfLayout, IgCounter) {
    expect_struct_layout(btf_.get(), "ig_counter", sizeof(ig_counter),
                         {IG_MEMBER(ig_counter, packets), IG_MEMBER(ig_counter, bytes)});
}

TEST_F(BtfLayout, IgPolicyRow) {
    expect_struct_layout(btf_.get(), "ig_policy_row", sizeof(ig_policy_row),
                         {IG_MEMBER(ig_policy_row, code_action)});
}

TEST_F(BtfLayout, IgPolicyState) {
    expect_struct_layout(btf_.get(), "ig_policy_state", sizeof(ig_policy_state),
                         {IG_MEMBER(ig_policy_state, active_side), IG_MEMBER(ig_policy_state, flags),
                          IG_MEMBER(ig_policy_state, generation)});
}

TEST_F(BtfLayout, IgAddrKey) {
    expect_struct_layout(btf_.get(), "ig_addr_key", sizeof(ig_addr_key),
                         {IG_MEMBER(ig_addr_key, family), IG_MEMBER(ig_addr_key, pad),
                          IG_MEMBER(ig_addr_key, addr)});
}

TEST_F(BtfLayout, IgAddrInfo) {
    expect_struct_layout(btf_.get(), "ig_addr_info", sizeof(ig_addr_info),
                         {IG_MEMBER(ig_addr_info, kind), IG_MEMBER(ig_addr_info, pad)});
}

TEST_F(BtfLayout, IgIface) {
    expect_struct_layout(btf_.get(), "ig_iface", sizeof(ig_iface),
                         {IG_MEMBER(ig_iface, mac), IG_MEMBER(ig_iface, mac_known),
                          IG_MEMBER(ig_iface, pad)});
}

TEST_F(BtfLayout, IgAddrSlot) {
    expect_struct_layout(btf_.get(), "ig_addr_slot", sizeof(ig_addr_slot),
                         {IG_MEMBER(ig_addr_slot, addr), IG_MEMBER(ig_addr_slot, family),
                          IG_MEMBER(ig_addr_slot, kind), IG_MEMBER(ig_addr_slot, pad)});
}

TEST_F(BtfLayout, IgCaptureConfig) {
    expect_struct_layout(btf_.get(), "ig_capture_config", sizeof(ig_capture_config),
                         {IG_MEMBER(ig_capture_config, classes), IG_MEMBER(ig_capture_config, sample_every),
                          IG_MEMBER(ig_capture_config, snaplen), IG_MEMBER(ig_capture_config, pad)});
}

// ig_capture_record has no BTF: the program only reaches it through a ring
// buffer pointer, so clang emits no type for it; the size assert in abi.h,
// compiled on both sides, is its check.

// ---- maps: the BTF-defined map declarations in .maps ----------------------

struct MapDecl {
    uint32_t type = 0;
    uint32_t max_entries = 0;
    long long key_size = -1;
    std::string key_name;  // struct name, or "" for a scalar
    long long value_size = -1;
    std::string value_name;
};

// __uint(name, val) is `int (*name)[val]`: the value is the array length.
uint32_t uint_attr(const btf* b, uint32_t type_id) {
    const btf_type* ptr = btf__type_by_id(b, type_id);
    if (!ptr || !btf_is_ptr(ptr)) return UINT32_MAX;
    const btf_type* arr = btf__type_by_id(b, ptr->type);
    if (!arr || !btf_is_array(arr)) return UINT32_MAX;
    return btf_array(arr)->nelems;
}

// __type(name, T) is `T *name`.
void type_attr(const btf* b, uint32_t type_id, long long* size, std::string* name) {
    const btf_type* ptr = btf__type_by_id(b, type_id);
    if (!ptr || !btf_is_ptr(ptr)) return;
    int target = btf__resolve_type(b, ptr->type);
    *size = btf__resolve_size(b, target);
    const btf_type* t = btf__type_by_id(b, target);
    if (t && btf_is_struct(t)) *name = btf__name_by_offset(b, t->name_off);
}

bool find_map(const btf* b, const std::string& map_name, MapDecl* out) {
    int sec = btf__find_by_name_kind(b, ".maps", BTF_KIND_DATASEC);
    if (sec <= 0) return false;
    const btf_type* ds = btf__type_by_id(b, sec);
    const btf_var_secinfo* vi = btf_var_secinfos(ds);
    for (uint16_t i = 0; i < btf_vlen(ds); ++i, ++vi) {
        const btf_type* var = btf__type_by_id(b, vi->type);
        if (!var || !btf_is_var(var) || map_name != btf__name_by_offset(b, var->name_off)) continue;
        const btf_type* def = btf__type_by_id(b, btf__resolve_type(b, var->type));
        if (!def || !btf_is_struct(def)) return false;
        const btf_member* m = btf_members(def);
        for (uint16_t j = 0; j < btf_vlen(def); ++j, ++m) {
            std::string attr = btf__name_by_offset(b, m->name_off);
            if (attr == "type") out->type = uint_attr(b, m->type);
            else if (attr == "max_entries") out->max_entries = uint_attr(b, m->type);
            else if (attr == "key") type_attr(b, m->type, &out->key_size, &out->key_name);
            else if (attr == "value") type_attr(b, m->type, &out->value_size, &out->value_name);
        }
        return true;
    }
    return false;
}

TEST_F(BtfLayout, MapDeclarationsMatchTheAbi) {
    struct Want {
        const char* name;
        uint32_t type;
        uint32_t max_entries;
        size_t key_size;
        const char* key_name;
        size_t value_size;
        const char* value_name;
    } want[] = {
        {"counters", BPF_MAP_TYPE_PERCPU_ARRAY, IG_COUNTER_ENTRIES, sizeof(__u32), "",
         sizeof(ig_counter), "ig_counter"},
        {"reasons", BPF_MAP_TYPE_PERCPU_ARRAY, IG_REASON_ENTRIES, sizeof(__u32), "",
         sizeof(ig_counter), "ig_counter"},
        {"policy", BPF_MAP_TYPE_ARRAY, IG_POLICY_ENTRIES, sizeof(__u32), "", sizeof(ig_policy_row),
         "ig_policy_row"},
        {"policy_state", BPF_MAP_TYPE_ARRAY, 1, sizeof(__u32), "", sizeof(ig_policy_state),
         "ig_policy_state"},
        {"local_addrs", BPF_MAP_TYPE_HASH, IG_LOCAL_ADDR_ENTRIES, sizeof(ig_addr_key), "ig_addr_key",
         sizeof(ig_addr_info), "ig_addr_info"},
        {"iface", BPF_MAP_TYPE_ARRAY, 1, sizeof(__u32), "", sizeof(ig_iface), "ig_iface"},
        {"addr_slots", BPF_MAP_TYPE_ARRAY, IG_ADDR_SLOTS, sizeof(__u32), "", sizeof(ig_addr_slot),
         "ig_addr_slot"},
        {"capture_config", BPF_MAP_TYPE_ARRAY, 1, sizeof(__u32), "", sizeof(ig_capture_config),
         "ig_capture_config"},
    };
    for (const auto& w : want) {
        SCOPED_TRACE(std::string("map ") + w.name);
        MapDecl d;
        ASSERT_TRUE(find_map(btf_.get(), w.name, &d)) << "no BTF-defined map of that name in .maps";
        EXPECT_EQ(d.type, w.type);
        EXPECT_EQ(d.max_entries, w.max_entries);
        EXPECT_EQ(d.key_size, static_cast<long long>(w.key_size));
        EXPECT_EQ(d.key_name, w.key_name);
        EXPECT_EQ(d.value_size, static_cast<long long>(w.value_size));
        EXPECT_EQ(d.value_name, w.value_name);
    }
    // Index spaces the C++ side assumes: every index helper stays in its map.
    EXPECT_EQ(ig_counter_index(IG_ICMP_FAMILIES - 1, IG_ICMP_TYPES - 1, IG_ACTION_SLOTS - 1) + 1,
              static_cast<uint32_t>(IG_COUNTER_ENTRIES));
    EXPECT_EQ(ig_reason_index(IG_FAMILY_COUNT - 1, IG_REASON_SLOTS - 1) + 1,
              static_cast<uint32_t>(IG_REASON_ENTRIES));
    EXPECT_EQ(ig_policy_index(IG_POLICY_SIDES - 1, IG_ICMP_FAMILIES - 1, IG_ICMP_TYPES - 1) + 1,
              static_cast<uint32_t>(IG_POLICY_ENTRIES));
}

}  // namespace
}  // namespace icmpguard
