#pragma once

// The typed model of IMAP (RFC 3501 section 9 and the extensions listed in
// each header): value types that cannot hold an invalid wire form, each
// with `parse_<rule>(parse_cursor&)` functions named after its ABNF rule and
// a `write(writer&, const T&)` serializer that picks the wire form.
//
// The command and response parsers build on these; a host usually includes
// this header only.

#include <mailaccess/imap/atom.hpp>
#include <mailaccess/imap/capability.hpp>
#include <mailaccess/imap/date_time.hpp>
#include <mailaccess/imap/fetch_att.hpp>
#include <mailaccess/imap/flag.hpp>
#include <mailaccess/imap/mailbox_name.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/search_key.hpp>
#include <mailaccess/imap/section.hpp>
#include <mailaccess/imap/sequence_set.hpp>
#include <mailaccess/imap/status_att.hpp>
#include <mailaccess/imap/store_att.hpp>
#include <mailaccess/imap/string.hpp>
#include <mailaccess/imap/tag.hpp>
#include <mailaccess/imap/writer.hpp>
