// Fuzzes the uidlist parser (a file other processes, or a damaged disk, may
// have written): it must never crash, and whatever it accepts must survive
// serialize -> parse unchanged (short modseq lines for unlisted UIDs are not
// part of the serialized form).
#include "../../src/maildir/uidlist.hpp"

#include <mailaccess/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto list = mailaccess::maildir::detail::parse_uidlist(text);
    if (!list) return 0;
    MAILACCESS_ASSERT(list->uidvalidity != 0);
    std::uint32_t last = 0;
    for (const auto& e : list->entries) {
        MAILACCESS_ASSERT(e.uid > last && e.uid < list->next_uid);
        MAILACCESS_ASSERT(e.modseq <= list->highest_modseq);
        last = e.uid;
    }
    for (const auto& u : list->updates) MAILACCESS_ASSERT(u.modseq != 0 && u.modseq <= list->highest_modseq);
    list->updates.clear();
    auto again =
        mailaccess::maildir::detail::parse_uidlist(mailaccess::maildir::detail::serialize_uidlist(*list));
    MAILACCESS_ASSERT(again && *again == *list);
    return 0;
}
