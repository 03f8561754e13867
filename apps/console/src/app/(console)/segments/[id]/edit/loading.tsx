import { BuilderSkeleton } from "@/components/segments/builder-skeleton";

export default function EditSegmentLoading() {
  return <BuilderSkeleton label="Loading the segment builder" />;
}
