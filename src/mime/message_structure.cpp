#include <mailaccess/mime/message_structure.hpp>

#include <mailaccess/core/error.hpp>

#include <utility>

namespace mailaccess::mime {
namespace {

// The cache format: a version byte, then LEB128 varints and
// length-prefixed strings. An optional string is 0 for nullopt, else its
// length + 1 followed by the bytes.
class encoder {
public:
    void u(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    void str(std::string_view s) {
        u(s.size());
        out_.append(s);
    }
    void opt(const std::optional<std::string>& s) {
        if (!s) {
            u(0);
            return;
        }
        u(s->size() + 1);
        out_.append(*s);
    }
    void params(const std::vector<std::pair<std::string, std::string>>& ps) {
        u(ps.size());
        for (const auto& [name, value] : ps) {
            str(name);
            str(value);
        }
    }
    void addresses(const std::vector<imap::address>& list) {
        u(list.size());
        for (const auto& a : list) {
            opt(a.name);
            opt(a.adl);
            opt(a.mailbox);
            opt(a.host);
        }
    }
    std::string release() { return std::move(out_); }

private:
    std::string out_;
};

class decoder {
public:
    explicit decoder(std::string_view in) : in_(in) {}
    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return pos_ == in_.size(); }

    std::uint64_t u() {
        std::uint64_t v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return fail();
            const auto b = static_cast<unsigned char>(in_[pos_++]);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        return fail();
    }
    // A count of elements that each take at least one byte: never more than
    // what is left, so corrupt input cannot make us allocate.
    std::size_t count() {
        const std::uint64_t n = u();
        if (n > in_.size() - pos_) return static_cast<std::size_t>(fail());
        return static_cast<std::size_t>(n);
    }
    std::uint32_t u32() {
        const std::uint64_t v = u();
        if (v > 0xffffffffu) return static_cast<std::uint32_t>(fail());
        return static_cast<std::uint32_t>(v);
    }
    std::string str() {
        const std::size_t n = count();
        if (!ok_) return {};
        std::string s(in_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    std::optional<std::string> opt() {
        const std::uint64_t n = u();
        if (!ok_ || n == 0) return std::nullopt;
        if (n - 1 > in_.size() - pos_) {
            fail();
            return std::nullopt;
        }
        std::string s(in_.substr(pos_, static_cast<std::size_t>(n - 1)));
        pos_ += static_cast<std::size_t>(n - 1);
        return s;
    }
    std::vector<std::pair<std::string, std::string>> params() {
        std::vector<std::pair<std::string, std::string>> ps(count());
        for (auto& [name, value] : ps) {
            name = str();
            value = str();
        }
        return ps;
    }
    imap::envelope envelope() {
        imap::envelope env;
        env.date = opt();
        env.subject = opt();
        env.from = addresses();
        env.sender = addresses();
        env.reply_to = addresses();
        env.to = addresses();
        env.cc = addresses();
        env.bcc = addresses();
        env.in_reply_to = opt();
        env.message_id = opt();
        return env;
    }
    std::vector<imap::address> addresses() {
        std::vector<imap::address> list(count());
        for (auto& a : list) {
            a.name = opt();
            a.adl = opt();
            a.mailbox = opt();
            a.host = opt();
        }
        return list;
    }

    // Skipping, without building values: for readers that want one thing
    // from the middle of an entry (peek_envelope).
    void skip_str() {
        const std::size_t n = count();
        if (ok_) pos_ += n;
    }
    void skip_opt() {
        const std::uint64_t n = u();
        if (!ok_ || n == 0) return;
        if (n - 1 > in_.size() - pos_) {
            fail();
            return;
        }
        pos_ += static_cast<std::size_t>(n - 1);
    }
    void skip_params() {
        for (std::size_t i = count(); ok_ && i > 0; --i) {
            skip_str();
            skip_str();
        }
    }

private:
    std::uint64_t fail() {
        ok_ = false;
        pos_ = in_.size();
        return 0;
    }
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

constexpr std::uint64_t flag_text = 1, flag_synthetic = 2, flag_disposition = 4;  // per part
constexpr std::uint64_t flag_bare_lf = 1, flag_nul = 2, flag_truncated = 4;       // per message

}  // namespace

message_structure::message_structure() {
    message_part root;
    root.envelope_index = 0;
    root.fields.params = {{"charset", "us-ascii"}};
    parts_.push_back(std::move(root));
    envelopes_.emplace_back();
}

void message_structure::link_siblings() {
    std::vector<std::uint32_t> last(parts_.size(), message_part::npos);
    for (std::size_t i = 1; i < parts_.size(); ++i) {
        const std::uint32_t parent = parts_[i].parent;
        if (last[parent] != message_part::npos)
            parts_[last[parent]].next_sibling = static_cast<std::uint32_t>(i);
        last[parent] = static_cast<std::uint32_t>(i);
    }
}

std::string message_structure::serialize() const {
    encoder e;
    e.u(format_version);
    e.u(size_);
    e.u((has_bare_lf_ ? flag_bare_lf : 0) | (has_nul_ ? flag_nul : 0) | (truncated_ ? flag_truncated : 0));
    e.u(parts_.size());
    for (const auto& p : parts_) {
        e.u(p.parent == message_part::npos ? 0 : std::uint64_t{p.parent} + 1);
        e.u(static_cast<std::uint64_t>(p.kind));
        e.u(static_cast<std::uint64_t>(p.cte));
        e.u((p.is_text ? flag_text : 0) | (p.is_synthetic ? flag_synthetic : 0) |
            (p.fields.disposition ? flag_disposition : 0));
        e.u(p.header_offset);
        e.u(p.header_size);
        e.u(p.body_size);
        e.u(p.header_imap_size - p.header_size);
        e.u(p.body_imap_size - p.body_size);
        e.u(p.body_lines);
        e.u(p.envelope_index == message_part::npos ? 0 : std::uint64_t{p.envelope_index} + 1);
        const part_fields& f = p.fields;
        e.str(f.media_type);
        e.str(f.media_subtype);
        e.params(f.params);
        e.opt(f.id);
        e.opt(f.description);
        e.str(f.encoding);
        e.opt(f.md5);
        if (f.disposition) {
            e.str(f.disposition->type);
            e.params(f.disposition->params);
        }
        e.u(f.language.size());
        for (const auto& l : f.language) e.str(l);
        e.opt(f.location);
    }
    e.u(envelopes_.size());
    for (const auto& env : envelopes_) {
        e.opt(env.date);
        e.opt(env.subject);
        e.addresses(env.from);
        e.addresses(env.sender);
        e.addresses(env.reply_to);
        e.addresses(env.to);
        e.addresses(env.cc);
        e.addresses(env.bcc);
        e.opt(env.in_reply_to);
        e.opt(env.message_id);
    }
    return e.release();
}

result<message_summary> message_structure::peek_summary(std::string_view bytes) {
    // The layout serialize() writes: version, size, flags, part count, then
    // the root part: parent, kind, cte, flags, header offset and size, body
    // size, and the bare-LF counts of header and body.
    decoder d(bytes);
    if (d.u() != format_version || !d.ok()) return unexpected(errc::invalid_argument);
    message_summary m;
    m.size = d.u();
    const std::uint64_t flags = d.u();
    m.has_bare_lf = (flags & flag_bare_lf) != 0;
    m.has_nul = (flags & flag_nul) != 0;
    const std::size_t parts = d.count();
    const std::uint64_t parent = d.u();
    for (int skipped = 0; skipped < 4; ++skipped) (void)d.u();  // kind, cte, flags, header offset
    const std::uint64_t header_size = d.u();
    const std::uint64_t body_size = d.u();
    const std::uint64_t header_lfs = d.u();
    const std::uint64_t body_lfs = d.u();
    if (!d.ok() || parts == 0 || parent != 0) return unexpected(errc::invalid_argument);
    // The bounds check_invariants() holds the root to; the sums as
    // deserialize() and imap_size() make them.
    if (header_size > m.size || body_size > m.size - header_size) return unexpected(errc::invalid_argument);
    m.imap_size = (header_size + header_lfs) + (body_size + body_lfs);
    return m;
}

result<imap::envelope> message_structure::peek_envelope(std::string_view bytes) {
    // Walks over the parts as deserialize() reads them, keeping nothing.
    decoder d(bytes);
    if (d.u() != format_version || !d.ok()) return unexpected(errc::invalid_argument);
    (void)d.u();  // size
    (void)d.u();  // flags
    for (std::size_t parts = d.count(); d.ok() && parts > 0; --parts) {
        for (int skipped = 0; skipped < 3; ++skipped) (void)d.u();  // parent, kind, cte
        const std::uint64_t pflags = d.u();
        for (int skipped = 0; skipped < 7; ++skipped) (void)d.u();  // sizes, lines, envelope index
        d.skip_str();                                               // media type
        d.skip_str();                                               // subtype
        d.skip_params();
        d.skip_opt();  // id
        d.skip_opt();  // description
        d.skip_str();  // encoding
        d.skip_opt();  // md5
        if ((pflags & flag_disposition) != 0) {
            d.skip_str();
            d.skip_params();
        }
        for (std::size_t n = d.count(); d.ok() && n > 0; --n) d.skip_str();  // languages
        d.skip_opt();                                                        // location
    }
    if (!d.ok() || d.count() == 0) return unexpected(errc::invalid_argument);
    imap::envelope env = d.envelope();
    if (!d.ok()) return unexpected(errc::invalid_argument);
    return env;
}

result<message_structure> message_structure::deserialize(std::string_view bytes) {
    decoder d(bytes);
    if (d.u() != format_version || !d.ok()) return unexpected(errc::invalid_argument);
    message_structure s;
    s.parts_.clear();
    s.envelopes_.clear();
    s.size_ = d.u();
    const std::uint64_t flags = d.u();
    s.has_bare_lf_ = (flags & flag_bare_lf) != 0;
    s.has_nul_ = (flags & flag_nul) != 0;
    s.truncated_ = (flags & flag_truncated) != 0;
    s.parts_.resize(d.count());
    for (auto& p : s.parts_) {
        const std::uint64_t parent = d.u();
        p.parent = parent == 0 ? message_part::npos : static_cast<std::uint32_t>(parent - 1);
        if (parent > 0xffffffffu) return unexpected(errc::invalid_argument);
        const std::uint64_t kind = d.u();
        const std::uint64_t cte = d.u();
        if (kind > static_cast<std::uint64_t>(part_kind::message) ||
            cte > static_cast<std::uint64_t>(transfer_encoding::unknown))
            return unexpected(errc::invalid_argument);
        p.kind = static_cast<part_kind>(kind);
        p.cte = static_cast<transfer_encoding>(cte);
        const std::uint64_t pflags = d.u();
        p.is_text = (pflags & flag_text) != 0;
        p.is_synthetic = (pflags & flag_synthetic) != 0;
        p.header_offset = d.u();
        p.header_size = d.u();
        p.body_size = d.u();
        p.header_imap_size = p.header_size + d.u();
        p.body_imap_size = p.body_size + d.u();
        p.body_lines = d.u();
        const std::uint64_t env = d.u();
        if (env > 0xffffffffu) return unexpected(errc::invalid_argument);
        p.envelope_index = env == 0 ? message_part::npos : static_cast<std::uint32_t>(env - 1);
        part_fields& f = p.fields;
        f.media_type = d.str();
        f.media_subtype = d.str();
        f.params = d.params();
        f.id = d.opt();
        f.description = d.opt();
        f.encoding = d.str();
        f.md5 = d.opt();
        if ((pflags & flag_disposition) != 0) {
            imap::body_disposition disp;
            disp.type = d.str();
            disp.params = d.params();
            f.disposition = std::move(disp);
        }
        f.language.resize(d.count());
        for (auto& l : f.language) l = d.str();
        f.location = d.opt();
        if (!d.ok()) return unexpected(errc::invalid_argument);
    }
    s.envelopes_.resize(d.count());
    for (auto& env : s.envelopes_) env = d.envelope();
    if (!d.ok() || !d.at_end()) return unexpected(errc::invalid_argument);
    // Rebuild the derived links, then check every invariant the views rely on.
    for (std::size_t i = 0; i < s.parts_.size(); ++i) {
        auto& p = s.parts_[i];
        if (i == 0) {
            if (p.parent != message_part::npos) return unexpected(errc::invalid_argument);
            continue;
        }
        if (p.parent >= i) return unexpected(errc::invalid_argument);
        auto& parent = s.parts_[p.parent];
        p.depth = parent.depth + 1;
        ++parent.child_count;
    }
    s.link_siblings();
    if (!s.check_invariants()) return unexpected(errc::invalid_argument);
    return s;
}

bool message_structure::check_invariants() const {
    if (parts_.empty() || envelopes_.empty()) return false;
    if (parts_[0].envelope_index != 0) return false;
    std::vector<std::uint32_t> open;  // the ancestors of the part being checked
    std::vector<bool> envelope_used(envelopes_.size(), false);
    for (std::size_t i = 0; i < parts_.size(); ++i) {
        const auto& p = parts_[i];
        if (p.header_size > size_ || p.header_offset > size_ - p.header_size ||
            p.body_size > size_ - p.header_offset - p.header_size)
            return false;
        if (p.header_imap_size < p.header_size || p.body_imap_size < p.body_size) return false;
        if (i > 0) {
            // Pre-order: the parent is on the path from the root to here.
            while (!open.empty() && open.back() != p.parent) open.pop_back();
            if (open.empty()) return false;
            const auto& parent = parts_[p.parent];
            if (p.header_offset < parent.body_offset() || p.end_offset() > parent.end_offset()) return false;
            const bool should_be_root = parent.kind == part_kind::message;
            if (should_be_root != p.is_message_root()) return false;
            if (should_be_root && p.header_offset != parent.body_offset()) return false;
        }
        if (p.envelope_index != message_part::npos) {
            if (p.envelope_index >= envelopes_.size() || envelope_used[p.envelope_index]) return false;
            envelope_used[p.envelope_index] = true;
        }
        switch (p.kind) {
            case part_kind::leaf:
                if (p.child_count != 0) return false;
                break;
            case part_kind::multipart:
                if (p.child_count == 0) return false;
                break;
            case part_kind::message:
                if (p.child_count != 1) return false;
                break;
        }
        open.push_back(static_cast<std::uint32_t>(i));
    }
    return true;
}

}  // namespace mailaccess::mime
