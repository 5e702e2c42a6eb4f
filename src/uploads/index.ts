export { detectImageType, stripImageMetadata, parseAndStrip, ImageFormatError, IMAGE_TYPES, type ImageType, type StrippedImage } from './image.js';
export { checkUpload, DEFAULT_IMAGE_CAPS, type ImageCaps, type UploadCheck, type UploadLimits, type UploadRejection, type UploadedBytes } from './check.js';
export { DocumentVault, VaultError, loadDocumentKeys, generateDocumentKey } from './vault.js';
