rule a : t1 t2 t1 {
  condition: true
}
