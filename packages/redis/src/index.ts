export { openRedisBus, RedisBus, type RedisBusOptions } from './redis-bus.js'
