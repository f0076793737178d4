rule broken_condition { condition: true and }

rule fine { condition: true }

rule broken_string { strings: $a = "x condition: $a }

rule also_fine { condition: fine }
