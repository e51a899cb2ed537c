// FETCH (RFC 3501 section 6.4.5, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE,
// VANISHED and MODSEQ). Items that need the message's MIME structure use a
// per-session cache of `mime::message_structure`s over the store's message
// cache (so a second header sync, even after a restart, reads no message
// file; HEADER.FIELDS answers are kept there too); bodies are never copied:
// each BODY[...] is a byte_source that streams the section from the stored
// message (converting bare LF to CRLF where needed), announced by size first.

#include "imap_convert.hpp"
#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/core/error.hpp>
#include <mailaccess/mime/binary_view.hpp>
#include <mailaccess/mime/body_structure_view.hpp>
#include <mailaccess/mime/error.hpp>
#include <mailaccess/mime/header_selection.hpp>
#include <mailaccess/mime/section_view.hpp>
#include <mailaccess/mime/structure_parser.hpp>
#include <mailaccess/store/error.hpp>

#include <algorithm>

namespace mailaccess::engine {
namespace {

// A section of a stored message as a byte_source the session reads from
// offset 0 upwards (it never seeks back): `Reader` (mime::section_reader or
// mime::binary_reader) over `Content`, both kept alive with the message.
template <class Content, class Reader>
class reader_source final : public byte_source {
public:
    template <class... ReaderArgs>
    reader_source(std::shared_ptr<byte_source> message, std::uint64_t size, Content&& content,
                  ReaderArgs&&... reader_args)
        : message_(std::move(message)),
          content_(std::move(content)),
          reader_(*message_, content_, std::forward<ReaderArgs>(reader_args)...),
          size_(size) {}
    std::uint64_t size() const noexcept override { return size_; }
    result<std::size_t> read(std::uint64_t offset, std::span<char> out) override {
        if (offset != position_) return unexpected(make_error_code(mailaccess::errc::invalid_argument));
        auto n = reader_.read(out);
        if (n) position_ += *n;
        return n;
    }

private:
    std::shared_ptr<byte_source> message_;
    Content content_;
    Reader reader_;
    std::uint64_t size_;
    std::uint64_t position_ = 0;
};

using section_source = reader_source<mime::section_content, mime::section_reader>;
using binary_source = reader_source<mime::binary_content, mime::binary_reader>;

// The store's message cache (store::mailbox::cache) keys. The structure's
// key carries its serialization version, so a format change just misses.
const std::string structure_cache_key =
    "mime.structure." + std::to_string(mime::message_structure::format_version);
// The structure of the header block alone (header_structure_of): same format.
const std::string header_structure_cache_key =
    "mime.header." + std::to_string(mime::message_structure::format_version);
// ENVELOPE in wire form (imap::envelope_text); the version changes with it.
const std::string envelope_text_cache_key = "imap.envelope.1";
// A header block longer than this is left to the full parse.
constexpr std::size_t max_header_read = 1024 * 1024;

// The header block of `message`: up to and including the empty line that
// ends it, or everything when there is none. Nothing when it is longer than
// max_header_read (or unreadable): the caller parses the whole message.
std::optional<std::string> read_header_block(byte_source& message) {
    std::string head;
    std::size_t scanned = 0;
    for (std::size_t want = 8192;; want *= 4) {
        const std::size_t have = head.size();
        const std::size_t limit = std::min<std::uint64_t>(max_header_read, message.size());
        const std::size_t next = std::min(want, limit);
        if (next > have) {
            head.resize(next);
            std::size_t got = have;
            while (got < next) {
                auto n = message.read(got, std::span<char>(head.data() + got, next - got));
                if (!n) return std::nullopt;
                if (*n == 0) break;
                got += *n;
            }
            head.resize(got);
        }
        // The empty line that ends it, as the structure parser finds it.
        if (head.size() > scanned) {
            if (auto size = mime::header_block_size(head)) {
                head.resize(*size);
                return head;
            }
        }
        scanned = head.size();
        if (head.size() >= message.size()) return head;  // all header, no body
        if (head.size() >= max_header_read || head.size() < next) return std::nullopt;
    }
}

// BODY[HEADER.FIELDS (...)] of the whole message is what header syncs ask
// for, with the same field list every time: its answer is cached under the
// list (names upper-cased, sorted, unique, so "(From Subject)" and
// "(SUBJECT from)" share an entry). Nothing for sections of parts.
std::optional<std::string> header_fields_cache_key(const imap::section_spec& section) {
    const bool is_not = section.text() == imap::section_text::header_fields_not;
    if (!section.part().empty() || (section.text() != imap::section_text::header_fields && !is_not))
        return std::nullopt;
    std::vector<std::string> names;
    for (std::string name : section.fields()) {
        std::transform(name.begin(), name.end(), name.begin(), ascii_to_upper);
        names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string key = is_not ? "imap.header.fields.not.1:" : "imap.header.fields.1:";
    for (const auto& n : names) key += n + " ";
    if (key.size() > store::max_cache_key_size) return std::nullopt;
    return key;
}

// A HEADER.FIELDS answer from the store's message cache under `key`,
// partial applied; nothing when the section is not cached (or not
// cacheable: no key).
std::optional<mime::section_content> header_fields_from_cache(store::mailbox& box, std::uint32_t uid,
                                                              const std::optional<std::string>& key,
                                                              std::optional<imap::partial> range) {
    auto cached = key ? box.cached(uid, *key) : std::nullopt;
    if (!cached) return std::nullopt;
    mime::section_content content;
    content.full_size = cached->size();
    content.generated = std::move(*cached);
    mime::apply_partial(content, range);
    return content;
}

void header_fields_to_cache(store::mailbox& box, std::uint32_t uid, const std::optional<std::string>& key,
                            const std::string& answer) {
    if (key) box.cache(uid, *key, answer);
}

// Items that always need the whole structure: loading it first means the
// summary comes from it too, not from a second read of the cache entry.
bool needs_whole_structure(const std::vector<imap::fetch_att>& atts) {
    using k = imap::fetch_att::kind;
    return std::any_of(atts.begin(), atts.end(), [](const imap::fetch_att& a) {
        switch (a.type()) {
            case k::body:
            case k::bodystructure:
            case k::binary:
            case k::binary_size: return true;
            default: return false;
        }
    });
}

// BODY[] or BODY[]<partial> (also RFC822, BODY.PEEK[]): the whole message,
// which the summary alone describes.
bool is_whole_message(const imap::section_spec& section) {
    return section.part().empty() && section.text() == imap::section_text::none;
}

// Items that set \Seen when the mailbox is read-write (RFC 3501 section 6.4.5).
bool sets_seen(const imap::fetch_att& a) {
    using k = imap::fetch_att::kind;
    switch (a.type()) {
        case k::rfc822:
        case k::rfc822_text: return true;
        case k::body_section:
        case k::binary: return !a.is_peek();
        default: return false;
    }
}

}  // namespace

result<std::shared_ptr<byte_source>> imap_engine::impl::bytes_of(lazy_message& m) {
    if (!m.bytes) {
        auto opened = selected->open(m.uid);
        if (!opened) return unexpected(opened.error());
        m.bytes = std::shared_ptr<byte_source>(std::move(*opened));
    }
    return m.bytes;
}

result<std::shared_ptr<const mime::message_structure>> imap_engine::impl::structure_of(lazy_message& m) {
    adopt_session_structure(m);
    if (m.structure) return m.structure;
    std::optional<mime::message_structure> structure;
    if (const std::string* cached = cache_entry_of(m)) {
        // A damaged or older-format entry is refused by deserialize and
        // then replaced below.
        if (auto restored = mime::message_structure::deserialize(*cached)) structure = std::move(*restored);
    }
    if (!structure) {
        auto bytes = bytes_of(m);
        if (!bytes) return unexpected(bytes.error());
        auto parsed = mime::parse_structure(**bytes);
        if (!parsed) return unexpected(parsed.error());
        structure = std::move(*parsed);
        selected->cache(m.uid, structure_cache_key, structure->serialize());
    }
    m.structure = std::make_shared<const mime::message_structure>(std::move(*structure));
    m.summary = m.structure->summary();
    // A bounded session cache: a header sync touches each message once, a
    // reader comes back to the same few.
    if (structures.size() >= 4096) structures.clear();
    structures.emplace(m.uid, m.structure);
    return m.structure;
}

const std::optional<std::string>& imap_engine::impl::header_cache_key(const imap::section_spec& section) {
    // Every message of a FETCH asks with the same section: the key (a sort
    // and a dozen strings) is built once, not per message.
    if (!last_header_section || *last_header_section != section) {
        last_header_section = section;
        last_header_key = header_fields_cache_key(section);
    }
    return last_header_key;
}

void imap_engine::impl::adopt_session_structure(lazy_message& m) {
    if (m.structure) return;
    if (auto it = structures.find(m.uid); it != structures.end()) m.structure = it->second;
}

std::optional<mime::message_summary> imap_engine::impl::loaded_summary(lazy_message& m) {
    adopt_session_structure(m);
    if (m.structure && !m.summary) m.summary = m.structure->summary();
    return m.summary;
}

std::optional<mime::message_summary> imap_engine::impl::cached_summary(lazy_message& m) {
    if (auto known = loaded_summary(m)) return known;
    if (const std::string* cached = cache_entry_of(m)) {
        if (auto summary = mime::message_structure::peek_summary(*cached)) m.summary = *summary;
    }
    return m.summary;
}

result<mime::message_summary> imap_engine::impl::summary_of(lazy_message& m) {
    if (auto summary = cached_summary(m)) return *summary;
    auto s = structure_of(m);
    if (!s) return unexpected(s.error());
    return *m.summary;
}

result<imap::envelope_text> imap_engine::impl::envelope_text_of(lazy_message& m) {
    if (auto cached = selected->cached(m.uid, envelope_text_cache_key)) {
        // Checked, not trusted: a damaged entry is made again.
        if (auto text = imap::envelope_text::make(std::move(*cached))) return std::move(*text);
    }
    auto envelope = envelope_of(m, false);
    if (!envelope) return unexpected(envelope.error());
    auto text = imap::envelope_text::from(*envelope);
    selected->cache(m.uid, envelope_text_cache_key, text.text());
    return text;
}

result<imap::envelope> imap_engine::impl::envelope_of(lazy_message& m, bool cache_header) {
    adopt_session_structure(m);
    // The header entry first: what a header sync leaves (smaller, too).
    if (!m.structure && !m.header_structure) {
        if (auto cached = selected->cached(m.uid, header_structure_cache_key)) {
            if (auto envelope = mime::message_structure::peek_envelope(*cached)) return std::move(*envelope);
        }
    }
    if (!m.structure) {
        if (const std::string* cached = cache_entry_of(m)) {
            if (auto envelope = mime::message_structure::peek_envelope(*cached)) return std::move(*envelope);
        }
    }
    // The ENVELOPE is the header's: no need to read the message to its end.
    auto s = header_structure_of(m, cache_header);
    if (!s) return unexpected(s.error());
    return (*s)->envelope();
}

result<std::uint64_t> imap_engine::impl::rfc822_size_of(lazy_message& m, const store::message_info& info) {
    if (auto known = loaded_summary(m)) return known->imap_size;
    if (info.crlf_size) return *info.crlf_size;  // no cache lookup at all
    auto summary = summary_of(m);
    if (!summary) return unexpected(summary.error());
    return summary->imap_size;
}

result<std::shared_ptr<const mime::message_structure>> imap_engine::impl::header_structure_of(lazy_message& m,
                                                                                              bool cache_it) {
    adopt_session_structure(m);
    if (m.structure) return m.structure;
    if (m.header_structure) return m.header_structure;
    if (auto cached = selected->cached(m.uid, header_structure_cache_key)) {
        if (auto restored = mime::message_structure::deserialize(*cached))
            return m.header_structure = std::make_shared<const mime::message_structure>(std::move(*restored));
    }
    auto bytes = bytes_of(m);
    if (!bytes) return unexpected(bytes.error());
    auto head = read_header_block(**bytes);
    if (head) {
        auto parsed = mime::parse_structure(*head);
        // Only when the parser ends the header where we cut it: otherwise its
        // view of this header could differ from the whole message's.
        if (parsed.root().header_size == head->size()) {
            if (cache_it) selected->cache(m.uid, header_structure_cache_key, parsed.serialize());
            return m.header_structure = std::make_shared<const mime::message_structure>(std::move(parsed));
        }
    }
    return structure_of(m);
}

result<mime::message_summary> imap_engine::impl::download_summary_of(lazy_message& m,
                                                                     const store::message_info& info) {
    auto bytes = bytes_of(m);
    if (!bytes) return unexpected(bytes.error());
    if (auto summary = cached_summary(m)) return *summary;
    // Without parsing, as Dovecot sends a message: the store says the size
    // as sent (W=), the file its size as stored; they differ by the bare
    // LFs, and a NUL (sent as 0x80) may be anywhere: the reader converts
    // both on the way. A file whose size is not the one listed is parsed.
    if (info.crlf_size && (*bytes)->size() == info.size && *info.crlf_size >= info.size)
        return mime::message_summary{info.size, *info.crlf_size, *info.crlf_size != info.size, true};
    return summary_of(m);
}

const std::string* imap_engine::impl::cache_entry_of(lazy_message& m) {
    if (!m.cache_entry_read) {
        m.cache_entry_read = true;
        m.cache_entry = selected->cached(m.uid, structure_cache_key);
    }
    return m.cache_entry ? &*m.cache_entry : nullptr;
}

result<imap::reply_data> imap_engine::impl::fetch_message(const fetch_target& t,
                                                          const std::vector<imap::fetch_att>& atts,
                                                          bool with_uid,
                                                          const imap::enabled_extensions& enabled) {
    using k = imap::fetch_att::kind;
    imap::reply_data out;
    imap::fetch_data f;
    f.seq = t.seq;
    f.items.reserve(atts.size() + 2);  // the items asked for, plus UID and MODSEQ added unasked
    // Each item loads what it needs: a header sync's RFC822.SIZE and a
    // download's BODY[] only the summary, a cached HEADER.FIELDS nothing;
    // ENVELOPE, BODYSTRUCTURE and other sections the whole structure.
    lazy_message m(t.info.uid);
    if (needs_whole_structure(atts)) {
        if (auto s = structure_of(m); !s) return unexpected(s.error());
    }
    bool has_uid = false, has_modseq = false;
    for (const auto& a : atts) {
        switch (a.type()) {
            case k::uid:
                has_uid = true;
                f.items.emplace_back(imap::fetch_item_types::uid{t.info.uid});
                break;
            case k::flags:
                f.items.emplace_back(imap::fetch_item_types::flags{detail::to_flags(t.info.flags, t.recent)});
                break;
            case k::internaldate:
                f.items.emplace_back(
                    imap::fetch_item_types::internaldate{detail::to_date_time(t.info.internal_date)});
                break;
            case k::modseq:
                has_modseq = true;
                f.items.emplace_back(imap::fetch_item_types::modseq{t.info.modseq});
                break;
            case k::rfc822_size: {
                auto size = rfc822_size_of(m, t.info);
                if (!size) return unexpected(size.error());
                f.items.emplace_back(imap::fetch_item_types::rfc822_size{*size});
                break;
            }
            case k::envelope: {
                if (!enabled.utf8_accept) {
                    auto text = envelope_text_of(m);
                    if (!text) return unexpected(text.error());
                    f.items.emplace_back(imap::fetch_item_types::envelope_wire{std::move(*text)});
                    break;
                }
                auto envelope = envelope_of(m);
                if (!envelope) return unexpected(envelope.error());
                f.items.emplace_back(imap::fetch_item_types::envelope{std::move(*envelope)});
                break;
            }
            case k::body:
            case k::bodystructure: {
                auto structure = structure_of(m);
                if (!structure) return unexpected(structure.error());
                const bool extended = a.type() == k::bodystructure;
                f.items.emplace_back(
                    imap::fetch_item_types::body{mime::make_body_structure(**structure, 0), extended});
                break;
            }
            case k::rfc822:
            case k::rfc822_header:
            case k::rfc822_text:
            case k::body_section: {
                imap::fetch_body_section item;
                imap::section_spec section = a.section();
                if (a.type() == k::rfc822) item.form = imap::body_item_form::rfc822;
                if (a.type() == k::rfc822_header) {
                    item.form = imap::body_item_form::rfc822_header;
                    section = *imap::section_spec::make({}, imap::section_text::header);
                }
                if (a.type() == k::rfc822_text) {
                    item.form = imap::body_item_form::rfc822_text;
                    section = *imap::section_spec::make({}, imap::section_text::text);
                }
                if (item.form == imap::body_item_form::body) item.section = section;
                const auto& cache_key = header_cache_key(section);
                auto content = header_fields_from_cache(*selected, m.uid, cache_key, a.range());
                if (!content && is_whole_message(section)) {
                    auto summary = download_summary_of(m, t.info);
                    if (!summary) return unexpected(summary.error());
                    content = mime::whole_message_section(*summary);
                    mime::apply_partial(*content, a.range());
                }
                const bool fields = section.text() == imap::section_text::header_fields ||
                                    section.text() == imap::section_text::header_fields_not;
                if (!content && fields && section.part().empty()) {
                    // A header sync's first look at a message: the fields
                    // straight from the start of the file, nothing parsed.
                    auto message = bytes_of(m);
                    if (!message) return unexpected(message.error());
                    if (auto head = read_header_block(**message)) {
                        content = mime::header_fields_section(*head, section, std::nullopt);
                        header_fields_to_cache(*selected, m.uid, cache_key, *content->generated);
                        mime::apply_partial(*content, a.range());
                    }
                }
                if (!content) {
                    // Sections of parts, and a header block too big to read
                    // alone (see read_header_block): from the whole structure.
                    auto structure = structure_of(m);
                    if (!structure) return unexpected(structure.error());
                    auto message = bytes_of(m);
                    if (!message) return unexpected(message.error());
                    auto resolved = mime::resolve_section(**structure, section, a.range(), **message);
                    if (!resolved) return unexpected(resolved.error());
                    if (resolved->generated)
                        header_fields_to_cache(*selected, m.uid, cache_key, *resolved->generated);
                    content = std::move(*resolved);
                }
                if (content->origin) item.origin = static_cast<std::uint32_t>(*content->origin);
                if (content->generated) {
                    if (content->skip == 0 && content->size == content->generated->size())
                        item.data = std::move(*content->generated);
                    else
                        item.data = content->generated->substr(static_cast<std::size_t>(content->skip),
                                                               static_cast<std::size_t>(content->size));
                } else {
                    item.streamed_size = content->size;
                    out.streams.push_back(
                        {std::make_shared<section_source>(m.bytes, content->size, std::move(*content)), 0,
                         item.streamed_size.value()});
                }
                f.items.emplace_back(std::move(item));
                break;
            }
            case k::binary:
            case k::binary_size: {
                auto structure = structure_of(m);
                if (!structure) return unexpected(structure.error());
                auto content = mime::resolve_binary(**structure, a.binary_part());
                if (!content) return unexpected(content.error());
                auto message = bytes_of(m);
                if (!message) return unexpected(message.error());
                auto size = mime::binary_size(**message, *content);
                if (!size) return unexpected(size.error());
                if (a.type() == k::binary_size) {
                    f.items.emplace_back(imap::fetch_item_types::binary_size{a.binary_part(), *size});
                    break;
                }
                imap::fetch_body_section item;
                item.form = imap::body_item_form::binary;
                item.section = *imap::section_spec::make(a.binary_part());
                std::uint64_t send = *size;
                if (a.range()) {
                    item.origin = static_cast<std::uint32_t>(a.range()->offset);
                    send = a.range()->offset >= *size
                               ? 0
                               : std::min(a.range()->length, *size - a.range()->offset);
                }
                item.streamed_size = send;
                out.streams.push_back(
                    {std::make_shared<binary_source>(*message, send, std::move(*content), a.range()), 0,
                     send});
                f.items.emplace_back(std::move(item));
                break;
            }
        }
    }
    // RFC 3501 section 6.4.5: a FETCH that set \Seen reports the new FLAGS.
    if (t.flags_changed &&
        std::none_of(atts.begin(), atts.end(), [](const imap::fetch_att& a) { return a.type() == k::flags; }))
        f.items.emplace_back(imap::fetch_item_types::flags{detail::to_flags(t.info.flags, t.recent)});
    // RFC 3501 section 6.4.8: UID FETCH answers always carry UID; RFC 7162
    // section 3.1.4.1: with CONDSTORE enabled every FETCH carries MODSEQ.
    if (with_uid && !has_uid) f.items.emplace(f.items.begin(), imap::fetch_item_types::uid{t.info.uid});
    if (enabled.condstore && !has_modseq) f.items.emplace_back(imap::fetch_item_types::modseq{t.info.modseq});
    out.data = std::move(f);
    return out;
}

imap::command_reply imap_engine::impl::fetch(const imap::command& c, const imap::cmd::fetch& f,
                                             const imap::enabled_extensions& enabled) {
    auto atts = f.atts.expanded();
    if (auto ok = refresh(); !ok) return failure(ok.error(), "FETCH failed");
    const auto ctx = report_context::for_command(c.body, enabled);
    imap::command_reply r = reply(imap::status_kind::ok, std::nullopt, "Fetch completed.");
    // New mail first: the client may be asking for it by number.
    flush(r, ctx);
    auto targets = resolve(f.set, f.uid);
    if (!targets) return reply(imap::status_kind::bad, std::nullopt, "Invalid message set.");
    // RFC 7162 section 3.1.4: CHANGEDSINCE keeps messages with a larger modseq.
    if (f.changedsince) {
        targets->erase(
            std::remove_if(targets->begin(), targets->end(),
                           [&f](const fetch_target& t) { return t.info.modseq <= *f.changedsince; }),
            targets->end());
    }
    // RFC 7162 section 3.2.6: VANISHED (EARLIER) for UIDs gone since.
    if (f.vanished && f.uid && enabled.qresync)
        for (auto& v : view->vanished_earlier(f.set)) r.untagged.push_back({std::move(v), {}});
    // \Seen for non-PEEK body items, before the data is built, so the FLAGS
    // sent reflect it (RFC 3501 section 6.4.5).
    if (!read_only && std::any_of(atts.begin(), atts.end(), sets_seen)) mark_seen(*targets);
    auto shared_targets = std::make_shared<std::vector<fetch_target>>(std::move(*targets));
    auto shared_atts = std::make_shared<std::vector<imap::fetch_att>>(std::move(atts));
    return fetch_slice(std::move(r), shared_targets, shared_atts, 0, f.uid, ctx, enabled);
}

imap::command_reply imap_engine::impl::fetch_slice(imap::command_reply r,
                                                   std::shared_ptr<std::vector<fetch_target>> targets,
                                                   std::shared_ptr<std::vector<imap::fetch_att>> atts,
                                                   std::size_t from, bool with_uid, report_context ctx,
                                                   imap::enabled_extensions enabled) {
    const std::size_t end = std::min(targets->size(), from + options.slice_messages);
    for (std::size_t i = from; i < end; ++i) {
        auto data = fetch_message((*targets)[i], *atts, with_uid, enabled);
        if (!data) {
            if (data.error() == store::errc::no_such_message)
                continue;  // expunged meanwhile (RFC 2180 4.1.2)
            if (data.error() == mime::errc::unknown_transfer_encoding) {
                // RFC 3516 section 4.3.
                imap::response_code code;
                code.kind = imap::response_code_kind::other;
                code.name = "UNKNOWN-CTE";
                return reply(imap::status_kind::no, std::move(code), "Unknown Content-Transfer-Encoding.");
            }
            if (data.error() == mime::errc::bad_encoded_data)
                return reply(imap::status_kind::no,
                             imap::response_code::simple(imap::response_code_kind::parse),
                             "Invalid data in MIME part.");
            return failure(data.error(), "FETCH failed");
        }
        r.untagged.push_back(std::move(*data));
    }
    if (end < targets->size()) {
        r.more = true;
        continuation = [this, targets, atts, end, with_uid, ctx, enabled]() {
            return fetch_slice(reply(imap::status_kind::ok, std::nullopt, "Fetch completed."), targets, atts,
                               end, with_uid, ctx, enabled);
        };
        return r;
    }
    // Updates that arrived meanwhile, as RFC 3501 section 7.4.1 allows.
    flush(r, ctx);
    return r;
}

}  // namespace mailaccess::engine
