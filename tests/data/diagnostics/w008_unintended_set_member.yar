rule unintended_set_member {
  strings:
    $s1 = "alpha"
    $s2 = "beta"
    $str = "gamma"
  condition:
    2 of ($s*)
}
