rule hex_empty_alternative_ok { strings: $a = { 61 62 } condition: $a }

rule star { strings: $s = /x*/ wide condition: $s }
