import { BuilderSkeleton } from "@/components/segments/builder-skeleton";

export default function NewSegmentLoading() {
  return <BuilderSkeleton label="Loading the segment builder" />;
}
