# SPDX-License-Identifier: MIT
# The example queries of the README's "Querying" section, for the tests:
# each ```sql block goes to DIR/NAME.sql, NAME being its first line
# ("-- upcoming-week"); DIR/index lists the names in README order.
# Usage: awk -v dir=DIR -f readme-queries.awk README
/^(-+|=+)$/ && !incode {
	insec = (prev == "Querying")
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
