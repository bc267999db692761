export { startPostgres, type TestPostgres } from './startPostgres.js'
