'use client';
import { type DragEvent, useState } from 'react';

/** Drag and drop, or a file picker. */
export function PhotoDrop({ onPhoto }: { onPhoto: (file: Blob) => void }) {
  const [over, setOver] = useState(false);
  function drop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) onPhoto(file);
  }
  return (
    <label
      className={`drop ${over ? 'over' : ''}`}
      data-testid="photo-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      Drop a photo here, or choose one
      <input
        type="file"
        accept="image/jpeg,image/png"
        data-testid="photo-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onPhoto(file);
          e.target.value = '';
        }}
      />
    </label>
  );
}
