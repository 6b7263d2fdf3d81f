# SPDX-License-Identifier: MIT
# The example queries of doc/data.md's "Querying" section, for the tests:
# each ```sql block of that section (its subsections included) goes to
# DIR/NAME.sql, NAME being its first line ("-- upcoming-week"); DIR/index
# lists the names in the order of the file.  Headings are Markdown's:
# "## Querying" (ATX), or a title underlined with - or = (setext).
# Usage: awk -v dir=DIR -f queries.awk doc/data.md
function heading(level, title) {
	if (insec && level > seclevel)
		return		# a subsection of "Querying"
	insec = (title == "Querying")
	seclevel = level
}
/^#+[ \t]/ && !incode {
	match($0, /^#+/)
	title = substr($0, RLENGTH + 1)
	sub(/^[ \t]+/, "", title)
	sub(/[ \t#]+$/, "", title)
	heading(RLENGTH, title)
	prev = $0
	next
}
/^(-+|=+)$/ && !incode && prev != "" {
	heading(substr($0, 1, 1) == "=" ? 1 : 2, prev)
	prev = $0
	next
}
insec && !incode && /^```sql$/ {
	incode = 1
	file = ""
	prev = $0
	next
}
incode && /^```$/ {
	incode = 0
	close(file)
	prev = $0
	next
}
incode {
	if (file == "") {
		name = $0
		sub(/^-- */, "", name)
		file = dir "/" name ".sql"
		printf "" > file
		print name >> (dir "/index")
	}
	print >> file
}
{ prev = $0 }
