rule lower_case_name : APT37 Kimsuky {
  condition:
    true
}
