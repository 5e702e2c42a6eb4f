export { detectImageType, stripImageMetadata, parseAndStrip, ImageFormatError, IMAGE_TYPES, type ImageType, type StrippedImage } from './image.js';
export { checkUpload, type UploadCheck, type UploadRejection, type UploadedBytes } from './check.js';
export { DocumentVault, VaultError, loadDocumentKeys, generateDocumentKey } from './vault.js';
