/** Where use cases read the time from (a port: the domain never reads the clock itself). */
export interface Clock {
  now(): number; // epoch ms
}
