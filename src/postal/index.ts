export { normalizePostalCode, formatPostalCode, normalizeTown, type PostalAddress } from './normalize.js';
export { PostalCodeLookup, InvalidPostalCodeError, createPostalCodeLookup, type PostalSearchResult, type PostalLookupOptions } from './lookup.js';
export { importPostalCodes, readPostalCsv, parseCsvLine, PostalImportError } from './import.js';
export { postalCodeRoutes, type PostalRouteDeps } from './routes.js';
