#include <mailaccess/mime/body_structure_view.hpp>

#include <mailaccess/core/assert.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace mailaccess::mime {
namespace {

std::uint32_t clamp32(std::uint64_t v) noexcept {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xffffffffu));
}

// The node without its children; deep trees are built iteratively below so
// that a 100-level nesting does not depend on the stack.
imap::body_structure make_node(const message_structure& s, std::size_t index) {
    const message_part& p = s.parts()[index];
    const part_fields& f = p.fields;
    imap::body_structure b;
    b.media_type = f.media_type;
    b.media_subtype = f.media_subtype;
    b.params = f.params;
    b.disposition = f.disposition;
    b.language = f.language;
    b.location = f.location;
    switch (p.kind) {
        case part_kind::multipart: b.type = imap::body_structure::kind::multipart; return b;
        case part_kind::message:
            b.type = imap::body_structure::kind::message;
            b.message_envelope = s.envelopes()[s.parts()[index + 1].envelope_index];
            b.lines = clamp32(p.body_lines);
            break;
        case part_kind::leaf:
            b.type = p.is_text ? imap::body_structure::kind::text : imap::body_structure::kind::basic;
            if (p.is_text) b.lines = clamp32(p.body_lines);
            break;
    }
    b.id = f.id;
    b.description = f.description;
    b.encoding = f.encoding;
    b.octets = clamp32(p.body_imap_size);
    b.md5 = f.md5;
    return b;
}

}  // namespace

imap::body_structure make_body_structure(const message_structure& s, std::size_t index) {
    MAILACCESS_ASSERT(index < s.parts().size());
    // Build bottom-up: every part's node is complete before its parent takes
    // it. Parts of the subtree are contiguous from `index` (pre-order).
    std::size_t end = index + 1;
    while (end < s.parts().size() && s.parts()[end].depth > s.parts()[index].depth) ++end;
    std::vector<imap::body_structure> built(end - index);
    for (std::size_t i = end; i-- > index;) {
        imap::body_structure node = make_node(s, i);
        for (std::uint32_t c = s.first_child(i); c != message_part::npos; c = s.parts()[c].next_sibling)
            node.parts.push_back(std::move(built[c - index]));
        built[i - index] = std::move(node);
    }
    return std::move(built.front());
}

}  // namespace mailaccess::mime
