rule a {
  condition: filesize > 10 and later_rule
}

rule later_rule {
  condition: true
}
