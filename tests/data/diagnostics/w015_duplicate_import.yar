import "pe"
import "math"
import "pe"

rule duplicate_import {
  condition:
    pe.is_pe and math.entropy(0, filesize) > 7
}
